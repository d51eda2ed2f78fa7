"""Erasing an account: the person is pseudonymised, the records of what happened stay.

The user row stays (applications, events, reviews, ledger transfers and the audit trail point at it, and the
append-only tables may not change); its name becomes "Erased user #n", its email a unique address that cannot
receive mail, its ORCID iD empty, its password unusable, and it is deactivated. What only describes the person
goes: email addresses, authenticators, API tokens, cluster user names, memberships, the reviewer profile,
publications, affiliations and declarations. Copies of the email address in other people's rows (application team
lists, invitations, reviewer suggestions) are replaced by the pseudonymous address. Append-only logs keep what
they recorded.
"""

import datetime as dt

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Invitation, InvitationStatus, Membership, MembershipRole, User
from accounts.roles import holds_staff_role
from allocations.applications.workflow import Status
from allocations.models import (
    OPEN_CHANGE_STATUSES,
    Application,
    ApplicationMember,
    ChangeRequest,
    ClusterUsername,
    FinalReport,
    ReportStatus,
)
from allocations.models.capacity import Grant, GrantStatus
from allocations.postaward.reports.selectors import awards_owing_a_report
from audit.models import ObjectType
from audit.services import record
from ledger.models import Partner
from privacy.models import Erasure, pseudonym, pseudonymous_email
from reviews.models import Affiliation, DeclaredConflict, DeclaredRelationship, Publication, ReviewerProfile

# Grants that still give or promise compute: the person is on a project that is not over.
OPEN_GRANT = (GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE)
# Applications still being decided (offers and grants are the grant check's).
BEING_DECIDED = (
    Status.SUBMITTED,
    Status.ELIGIBILITY_CHECK,
    Status.IN_REVIEW,
    Status.REVIEWS_COMPLETE,
    Status.RIGHT_TO_REPLY,
    Status.PANEL,
    Status.APPROVED,
    Status.WAITLISTED,
)


def _references(applications) -> str:
    return ", ".join(sorted({a.reference or a.display_title for a in applications}))


def erasure_refusals(*, user: User, today: dt.date | None = None) -> list[str]:
    """Why ``user`` cannot erase their account now (empty when they can), one sentence per reason."""
    reasons = []
    if holds_staff_role(user):
        reasons.append(
            _(
                "You hold a staff role or admin access. Decisions you took must stay accountable, so staff accounts "
                "are not erased here: ask an administrator to remove your roles first."
            )
        )
    on_grant = Q(application__pi=user) | Q(application__members__user=user) | Q(application__grant_members__user=user)
    grants = Grant.objects.filter(on_grant, status__in=OPEN_GRANT).select_related("application").distinct()
    if grants:
        reasons.append(
            _(
                "You are on a grant that is offered, accepted or active (%(refs)s). You can erase your account "
                "once it has ended and is closed."
            )
            % {"refs": _references(g.application for g in grants)}
        )
    pending = Application.objects.filter(pi=user, status__in=BEING_DECIDED)
    if pending:
        reasons.append(
            _(
                "You are the principal investigator of an application that is still being decided (%(refs)s). "
                "Withdraw it or wait for the decision first."
            )
            % {"refs": _references(pending)}
        )
    reasons += _open_obligations(user, today or timezone.localdate())
    for membership in Membership.objects.filter(user=user, role=MembershipRole.OWNER).select_related("organisation"):
        organisation = membership.organisation
        others = organisation.memberships.exclude(user=user)
        if others.exists() and not others.filter(role=MembershipRole.OWNER).exists():
            reasons.append(
                _("You are the last owner of %(org)s. Make another member owner first.") % {"org": organisation}
            )
    return reasons


def _open_obligations(user: User, today: dt.date) -> list[str]:
    """Obligations beyond the person's own grants: the final report of an ended award, not submitted yet (opened as
    a draft by beat, or not opened yet), and an open change request that names them (a team or PI change)."""
    drafts = FinalReport.objects.filter(status=ReportStatus.DRAFT, award__application__pi=user)
    owing = [a.application for a in awards_owing_a_report(today=today).filter(application__pi=user)]
    applications = [r.award.application for r in drafts.select_related("award__application")] + owing
    reasons = []
    if applications:
        reasons.append(
            _("You have not submitted the final report of %(refs)s yet. Submit it first: it stays due after erasure.")
            % {"refs": _references(applications)}
        )
    named = ChangeRequest.objects.filter(person=user, status__in=OPEN_CHANGE_STATUSES).select_related(
        "grant__application"
    )
    if named:
        reasons.append(
            _(
                "A change request names you (%(refs)s). Wait for its decision, or ask the principal investigator "
                "to withdraw it."
            )
            % {"refs": _references(r.grant.application for r in named)}
        )
    return reasons


def _confirm(*, user: User, password: str, confirmation: str) -> None:
    errors = {}
    if not user.has_usable_password() or not user.check_password(password or ""):
        errors["password"] = _("The password is not correct.")
    if (confirmation or "").strip().lower() != user.email.lower():
        errors["confirmation"] = _("Type your email address exactly as shown to confirm.")
    if errors:
        raise ValidationError(errors)


def _replace_email(old: str, new: str) -> None:
    """Copies of the address in other people's rows: team lists, invitations, reviewer suggestions."""
    ApplicationMember.objects.filter(email__iexact=old).update(email=new)
    Invitation.objects.filter(email__iexact=old, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, responded_at=timezone.now()
    )
    Invitation.objects.filter(email__iexact=old).update(email=new)
    for name in ("suggested_reviewers", "excluded_reviewers"):
        holding = Application.objects.annotate(text=Cast(name, TextField())).filter(text__icontains=old)
        for application in holding.only("pk", name):
            value = [new if email.lower() == old.lower() else email for email in getattr(application, name)]
            Application.objects.filter(pk=application.pk).update(**{name: value})


def _forget(user: User) -> None:
    """Rows that only describe the person."""
    for model in (EmailAddress, Authenticator, ApiToken, ClusterUsername, Membership, Publication, Affiliation):
        model.objects.filter(user=user).delete()
    ReviewerProfile.objects.filter(user=user).delete()
    DeclaredConflict.objects.filter(reviewer=user).delete()
    DeclaredRelationship.objects.filter(reviewer=user).delete()
    for partner in Partner.objects.filter(contact_users=user):
        partner.contact_users.remove(user)
    user.groups.clear()
    user.user_permissions.clear()


def account_erase(*, user: User, by: User, password: str, confirmation: str, now: dt.datetime | None = None) -> Erasure:
    """``user`` erases their own account, confirming with their password and their email address typed out.

    Raises ``PermissionDenied`` for anyone else, ``ValidationError`` (by field) for a wrong confirmation and
    ``ValidationError`` with every reason from :func:`erasure_refusals` while the account may not be erased.
    One transaction; every session and token of the account ends with it.
    """
    if by.pk != user.pk:
        raise PermissionDenied(_("You can only erase your own account."))
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active or hasattr(user, "erasure"):
            raise ValidationError(_("This account is already erased."))
        _confirm(user=user, password=password, confirmation=confirmation)
        refusals = erasure_refusals(user=user, today=timezone.localdate(now))
        if refusals:
            raise ValidationError(refusals)
        erasure = Erasure.objects.create(user=user, erased_at=now)
        old_email, new_email = user.email, pseudonymous_email(erasure.pk)
        _replace_email(old_email, new_email)
        _forget(user)
        user.full_name = pseudonym(erasure.pk)
        user.email = new_email
        user.timezone = ""
        user.orcid = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["full_name", "email", "timezone", "orcid", "is_active", "password"])
        # Every session signed with the old credentials ends (see User._get_session_auth_hash).
        User.objects.filter(pk=user.pk).update(credentials_version=F("credentials_version") + 1)
        record(
            actor=user,
            action="user.erased",
            object_type=ObjectType.USER,
            object_id=user.pk,
            object_label=user.full_name,
            changes={"erasure": [None, erasure.pk]},
            now=now,
        )
    return erasure
