"""Writes for users, organisations, memberships, invitations and API tokens.

Every function takes keyword arguments and the acting user, checks permission and input, runs in one
transaction and raises ``ValidationError`` (shown as a form error or an API 400) or ``PermissionDenied``.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Organisation,
    User,
)
from accounts.tokens import api_token_create, api_token_revoke  # noqa: F401  (the token services live there)
from accounts.validators import normalise_orcid
from audit.models import ObjectType
from audit.services import diff, record, snapshot
from portal.emails import queue_templated_email
from portal.links import absolute_url

ORGANISATION_FIELDS = ("legal_name", "short_name", "country", "type", "vat_number", "pic", "website", "founded_on")
INVITATION_SALT = "accounts.invitation"


def _is_owner(*, organisation: Organisation, user: User) -> bool:
    return Membership.objects.filter(organisation=organisation, user=user, role=MembershipRole.OWNER).exists()


def _require_owner(*, organisation: Organisation, user: User) -> None:
    if not _is_owner(organisation=organisation, user=user):
        raise PermissionDenied(_("Only owners of %(org)s can do this.") % {"org": organisation})


def _duplicate_vat_error() -> ValidationError:
    return ValidationError(
        {"vat_number": _("An organisation with this VAT number is already registered. Ask its owners to invite you.")}
    )


def organisation_create(*, by: User, **fields) -> Organisation:
    """Create an organisation; the creator becomes its first owner. Invalid input raises ValidationError."""
    organisation = Organisation(**{k: v for k, v in fields.items() if k in ORGANISATION_FIELDS})
    organisation.full_clean()
    try:
        with transaction.atomic():
            organisation.save()
            membership = Membership.objects.create(organisation=organisation, user=by, role=MembershipRole.OWNER)
            _record_organisation(by, organisation, "created", diff({}, snapshot(organisation, ORGANISATION_FIELDS)))
            _record_membership(by, membership, "created", {"user": [None, by.email], "role": [None, membership.role]})
    except IntegrityError:
        # Two registrations of one VAT number at once: the unique constraint decides, the loser gets a 400.
        raise _duplicate_vat_error()
    return organisation


def organisation_update(*, organisation: Organisation, by: User, **fields) -> Organisation:
    """Owners only. Unknown fields are ignored; validation as on create."""
    _require_owner(organisation=organisation, user=by)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
            before = snapshot(organisation, ORGANISATION_FIELDS)
            for name, value in fields.items():
                if name in ORGANISATION_FIELDS:
                    setattr(organisation, name, value)
            organisation.full_clean()
            organisation.save()
            changes = diff(before, snapshot(organisation, ORGANISATION_FIELDS))
            if changes:
                _record_organisation(by, organisation, "changed", changes)
    except IntegrityError:
        raise _duplicate_vat_error()
    return organisation


def _record_organisation(by: User, organisation: Organisation, verb: str, changes: dict) -> None:
    record(
        actor=by,
        action=f"organisation.{verb}",
        object_type=ObjectType.ORGANISATION,
        object_id=organisation.pk,
        object_label=organisation.legal_name,
        changes=changes,
    )


def _record_membership(by: User, membership: Membership, verb: str, changes: dict) -> None:
    record(
        actor=by,
        action=f"membership.{verb}",
        object_type=ObjectType.MEMBERSHIP,
        object_id=membership.pk,
        object_label=f"{membership.user.email} @ {membership.organisation.legal_name}",
        changes=changes,
    )


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"id": invitation.pk, "email": invitation.email}, salt=INVITATION_SALT, compress=True)


def invitation_create(
    *, organisation: Organisation, email: str, role: str = MembershipRole.MEMBER, by: User
) -> Invitation:
    """Owners invite by email; a signed link valid 7 days is emailed after commit."""
    _require_owner(organisation=organisation, user=by)
    email = email.strip().lower()
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose owner or member.")})
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s is already a member.") % {"email": email}})
    with transaction.atomic():
        # A new invitation replaces a pending one to the same address.
        Invitation.objects.filter(organisation=organisation, email=email, status=InvitationStatus.PENDING).update(
            status=InvitationStatus.REVOKED, responded_at=timezone.now()
        )
        invitation = Invitation.objects.create(organisation=organisation, email=email, role=role, invited_by=by)
        url = absolute_url("invitation_respond", token=invitation_token(invitation))
        queue_templated_email(
            to=[email],
            template="accounts/email/invitation",
            context={"invitation": invitation, "inviter": by, "url": url, "valid_days": Invitation.VALID_DAYS},
        )
    return invitation


def user_language_set(*, user: User, language: str) -> User:
    """The language switcher: remembers ``language`` (one of ``LANGUAGES``) on the account, for pages after the next
    sign-in and for every email the portal sends this person. Saves nothing when it is unchanged."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the portal's languages.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def _token_error(message: str, code: str) -> ValidationError:
    # Keyed by "token": the API answers 400 {"token": [...]}; the page shows it above the buttons.
    return ValidationError({"token": ValidationError(message, code=code)})


def _expired_error() -> ValidationError:
    return _token_error(
        _("This invitation has expired. Ask an owner of the organisation for a new one."), "invitation_expired"
    )


def invitation_from_token(token: str) -> Invitation:
    """Resolve a token; a bad signature or expiry raises ValidationError({"token": ...}) with a clear message."""
    try:
        payload = signing.loads(
            token or "", salt=INVITATION_SALT, max_age=timezone.timedelta(days=Invitation.VALID_DAYS)
        )
    except signing.SignatureExpired:
        raise _expired_error()
    except signing.BadSignature:
        raise _token_error(_("This invitation link is not valid."), "invitation_invalid")
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(pk=payload.get("id")).first()
        if isinstance(payload, dict)
        else None
    )
    if invitation is None or invitation.email != payload.get("email"):
        raise _token_error(_("This invitation link is not valid."), "invitation_invalid")
    return invitation


def invitation_check(*, invitation: Invitation, by: User) -> None:
    """Raise ValidationError({"token": ...}) unless ``by`` may answer ``invitation`` now."""
    if invitation.status != InvitationStatus.PENDING:
        raise _token_error(_("This invitation has already been used or withdrawn."), "invitation_used")
    if invitation.is_expired:
        raise _expired_error()
    if by.email.lower() != invitation.email.lower():
        raise _token_error(
            _("This invitation was sent to %(email)s. Log in with that address to answer it.")
            % {"email": invitation.email},
            "invitation_other_email",
        )


def _respond(*, token: str, by: User, accept: bool) -> Invitation:
    invitation = invitation_from_token(token)
    with transaction.atomic():
        # Locked, so two answers at once (two tabs, a double click) use the invitation exactly once.
        invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
        invitation_check(invitation=invitation, by=by)
        if accept:
            membership, created = Membership.objects.get_or_create(
                organisation=invitation.organisation, user=by, defaults={"role": invitation.role}
            )
            if created:
                _record_membership(
                    by, membership, "created", {"user": [None, by.email], "role": [None, membership.role]}
                )
        invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
        invitation.responded_at = timezone.now()
        invitation.responded_by = by
        invitation.save(update_fields=["status", "responded_at", "responded_by"])
    return invitation


def invitation_accept(*, token: str, by: User) -> Invitation:
    """Single use: a second accept (or accept after decline) is refused."""
    return _respond(token=token, by=by, accept=True)


def invitation_decline(*, token: str, by: User) -> Invitation:
    return _respond(token=token, by=by, accept=False)


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    _require_owner(organisation=invitation.organisation, user=by)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != InvitationStatus.PENDING:
            raise ValidationError(_("Only pending invitations can be withdrawn."))
        invitation.status = InvitationStatus.REVOKED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
    return invitation


def _lock_owners(organisation: Organisation) -> list[int]:
    """Lock the owner rows of an organisation (in a fixed order) and return the owners' user ids."""
    return list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, role=MembershipRole.OWNER)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )


def _lock_membership(pk: int) -> Membership:
    membership = Membership.objects.select_for_update().select_related("organisation", "user").filter(pk=pk).first()
    if membership is None:
        raise ValidationError(_("This person is no longer a member."))
    return membership


def membership_set_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Owners change roles; the last owner cannot be demoted.

    Owner rows are locked first, so two owners demoting each other at once leave exactly one owner, and an
    owner demoted a moment ago can no longer act as one.
    """
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose owner or member.")})
    with transaction.atomic():
        owners = _lock_owners(membership.organisation)
        if by.pk not in owners:
            raise PermissionDenied(_("Only owners of %(org)s can do this.") % {"org": membership.organisation})
        membership = _lock_membership(membership.pk)
        if membership.role == MembershipRole.OWNER and role != MembershipRole.OWNER and len(owners) <= 1:
            raise ValidationError(_("An organisation needs at least one owner. Make someone else owner first."))
        if membership.role != role:
            _record_membership(by, membership, "changed", {"role": [membership.role, role]})
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership: Membership, by: User) -> None:
    """An owner removes a member, or a member leaves; the last owner cannot leave (also under concurrency)."""
    with transaction.atomic():
        owners = _lock_owners(membership.organisation)
        if membership.user_id != by.pk and by.pk not in owners:
            raise PermissionDenied(_("Only owners of %(org)s can do this.") % {"org": membership.organisation})
        membership = _lock_membership(membership.pk)
        if membership.role == MembershipRole.OWNER and len(owners) <= 1:
            raise ValidationError(
                _("You are the last owner of %(org)s. Make another member owner before leaving.")
                % {"org": membership.organisation}
            )
        _record_membership(by, membership, "deleted", {"user": [membership.user.email, None]})
        membership.delete()


def user_update_profile(
    *, user: User, by: User, full_name: str, orcid: str | None = None, language: str | None = None
) -> User:
    """A user edits their own profile. ``orcid`` (when given) is normalised (URL, hyphens, lower-case x) and checked
    (format, check character, not on another account); ``language`` (when given) is one of ``LANGUAGES``; a
    ``ValidationError`` names the faulty field."""
    if user.pk != by.pk:
        raise PermissionDenied
    user.full_name = (full_name or "").strip()
    fields = ["full_name"]
    if language is not None:
        user.language = language
        fields.append("language")
    if orcid is not None:
        user.orcid = normalise_orcid(orcid)
        fields.append("orcid")
        if user.orcid and User.objects.filter(orcid=user.orcid).exclude(pk=user.pk).exists():
            raise ValidationError({"orcid": _("This ORCID iD is already on another account.")})
    user.full_clean(validate_unique=False, validate_constraints=False)
    user.save(update_fields=fields)
    return user
