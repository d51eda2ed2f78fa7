"""The team of a draft: inviting a listed colleague who is not yet in the organisation.

Saving the Team step (by hand or by autosave) only records the addresses; an invitation leaves only when an
owner of the organisation asks for it explicitly, so a half-typed address is never emailed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import Invitation, InvitationStatus, Membership, MembershipRole, User
from allocations.applications.services._common import _lock, _require_editor
from allocations.applications.workflow import Role
from allocations.models import ApplicationMember


def team_member_invite(*, application_id: int, email: str, by: User) -> Invitation:
    """Invite ``email``, a saved member of the draft's team, to the applying organisation (owners only)."""
    email = (email or "").strip().lower()
    with transaction.atomic():
        application = _lock(application_id)
        roles = _require_editor(application, by)
        if Role.ORG_OWNER not in roles:
            raise PermissionDenied(_("Only an owner of the organisation can invite people to it."))
        if not ApplicationMember.objects.filter(application=application, email=email).exists():
            raise ValidationError(
                {"email": _("Save %(email)s in the team first, then invite them.") % {"email": email or "-"}}
            )
        organisation = application.organisation
        if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
            raise ValidationError({"email": _("%(email)s is already a member.") % {"email": email}})
        if Invitation.objects.filter(organisation=organisation, email=email, status=InvitationStatus.PENDING).exists():
            raise ValidationError({"email": _("An invitation to %(email)s is already pending.") % {"email": email}})
        return account_services.invitation_create(
            organisation=organisation, email=email, role=MembershipRole.MEMBER, by=by
        )


def team_invitable(*, application) -> list[str]:
    """Saved team addresses that are neither members of the organisation nor already invited."""
    organisation_id = application.organisation_id
    members = {
        e.lower()
        for e in Membership.objects.filter(organisation_id=organisation_id).values_list("user__email", flat=True)
    }
    pending = set(
        Invitation.objects.filter(organisation_id=organisation_id, status=InvitationStatus.PENDING).values_list(
            "email", flat=True
        )
    )
    emails = (
        ApplicationMember.objects.filter(application=application).order_by("position").values_list("email", flat=True)
    )
    return [e for e in emails if e not in members and e not in pending]
