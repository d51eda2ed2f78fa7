"""Personal API tokens (scopes, expiry, revocation) and what a change of credentials ends.

Scopes: ``read`` (safe methods only), ``write`` (reads and writes), ``staff`` (the user's platform roles may be
used; only from a session that passed MFA, for at most 30 days). A new password, a reset, an authenticator
added or removed, or a deactivation revokes every token of the user and ends the user's other sessions.
"""

import datetime as dt

from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, RevocationReason, TokenScope, User
from accounts.roles import holds_staff_role
from audit.models import ObjectType
from audit.services import record

DEFAULT_DAYS = 90
MAX_DAYS = 365
STAFF_MAX_DAYS = 30
MAX_ACTIVE = 20
EXPIRY_CHOICES = (7, 30, 90, 180, 365)


def _validate(*, user: User, name: str, scopes: set[str], days: int, mfa_passed: bool) -> None:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name, e.g. the script that uses it.")
    if not scopes or not scopes <= set(TokenScope.values):
        errors["scopes"] = _("Choose the scopes of the token: read, write, and staff if you need your role.")
    elif not scopes & {TokenScope.READ, TokenScope.WRITE}:
        errors["scopes"] = _("A token needs the read or the write scope.")
    elif TokenScope.STAFF in scopes and not holds_staff_role(user):
        errors["scopes"] = _("Only reviewers, call managers, allocation and finance admins have a staff scope.")
    elif TokenScope.STAFF in scopes and not mfa_passed:
        errors["scopes"] = _(
            "A token with the staff scope can only be created in a session that passed two-factor authentication."
        )
    if not 1 <= days <= MAX_DAYS:
        errors["expires_in_days"] = _("A token is valid for 1 to %(max)d days.") % {"max": MAX_DAYS}
    elif TokenScope.STAFF in scopes and days > STAFF_MAX_DAYS:
        errors["expires_in_days"] = _("A token with the staff scope is valid for at most %(max)d days.") % {
            "max": STAFF_MAX_DAYS
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scopes=(TokenScope.READ, TokenScope.WRITE),
    days: int = DEFAULT_DAYS,
    mfa_passed: bool = False,
    now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw key, which is shown once and never stored.

    ``mfa_passed``: whether the creating session passed MFA (``request.user.mfa_passed``); the staff scope needs it.
    """
    now = now or timezone.now()
    name = (name or "").strip()
    scopes = set(scopes or ())
    _validate(user=user, name=name, scopes=scopes, days=days, mfa_passed=mfa_passed)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time per user
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count() >= MAX_ACTIVE:
        raise ValidationError(_("You have 20 active tokens; revoke one before creating another."))
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_hash=ApiToken.hash(raw),
        key_prefix=raw[:10],
        scopes=[scope for scope in TokenScope.values if scope in scopes],
        expires_at=now + dt.timedelta(days=days),
    )
    _record(
        user, token, "created", {"scopes": [None, token.scopes], "expires_at": [None, token.expires_at.isoformat()]}
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.user_id != by.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_reason = RevocationReason.BY_USER
        token.save(update_fields=["revoked_at", "revoked_reason"])
        _record(by, token, "revoked", {"revoked_reason": [None, token.revoked_reason]})
    return token


def revoke_all_tokens(user: User, *, reason: str, now: dt.datetime | None = None) -> int:
    return ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_reason=reason
    )


@transaction.atomic
def credentials_changed(user: User, *, reason: str, request=None) -> int:
    """Revoke every token of ``user`` and end all its sessions but ``request``'s own (when it is the user's).

    Called when the password is changed, set or reset, an authenticator is added or removed, or the user is
    deactivated (``accounts.signals``, ``accounts.admin``). Returns how many tokens were revoked.
    """
    User.objects.filter(pk=user.pk).update(credentials_version=F("credentials_version") + 1)
    user.credentials_version = User.objects.values_list("credentials_version", flat=True).get(pk=user.pk)
    revoked = revoke_all_tokens(user, reason=reason)
    actor = (
        getattr(request, "user", None) if getattr(getattr(request, "user", None), "is_authenticated", False) else user
    )
    record(
        actor=actor,
        action="user.credentials_changed",
        object_type=ObjectType.USER,
        object_id=user.pk,
        object_label=user.email,
        changes={"reason": [None, reason], "tokens_revoked": [None, revoked]},
    )
    if user.is_active and getattr(getattr(request, "user", None), "pk", None) == user.pk:
        update_session_auth_hash(request, user)  # the session that made the change stays signed in
    return revoked


def _record(by: User, token: ApiToken, verb: str, changes: dict) -> None:
    record(
        actor=by,
        action=f"token.{verb}",
        object_type=ObjectType.TOKEN,
        object_id=token.pk,
        object_label=f"{token.name} ({token.key_prefix}…) of {token.user.email}",
        changes=changes,
    )
