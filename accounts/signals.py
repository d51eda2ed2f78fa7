"""Receivers for Django's and allauth's authentication signals (connected in ``AccountsConfig.ready``)."""

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.mfa import mark_session_user, record_enrolment
from accounts.models import RevocationReason
from accounts.tokens import credentials_changed
from audit.models import ObjectType
from audit.services import record


@receiver(user_logged_in, dispatch_uid="accounts.mark_logged_in_user")
def mark_logged_in_user(sender, request, user, **kwargs):
    """``login()`` puts a fresh user object on the request: give it this session's MFA state too."""
    if request is not None and hasattr(request, "session") and getattr(request, "user", None) is user:
        mark_session_user(request, user)


@receiver(authenticator_added, dispatch_uid="accounts.totp_enrolled_in_session")
def totp_enrolled_in_session(sender, request, user, authenticator, **kwargs):
    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_enrolment(request, user, authenticator)


@receiver(password_changed, dispatch_uid="accounts.password_changed_ends_credentials")
@receiver(password_set, dispatch_uid="accounts.password_set_ends_credentials")
@receiver(password_reset, dispatch_uid="accounts.password_reset_ends_credentials")
def password_ends_credentials(sender, request, user, **kwargs):
    credentials_changed(user, reason=RevocationReason.PASSWORD, request=request)


@receiver(authenticator_added, dispatch_uid="accounts.authenticator_added_ends_credentials")
@receiver(authenticator_removed, dispatch_uid="accounts.authenticator_removed_ends_credentials")
def authenticator_ends_credentials(sender, request, user, authenticator, signal, **kwargs):
    verb = "added" if signal is authenticator_added else "removed"
    record(
        actor=user,
        action=f"authenticator.{verb}",
        object_type=ObjectType.AUTHENTICATOR,
        object_id=authenticator.pk or "",
        object_label=f"{authenticator.type} of {user.email}",
        changes={"type": [None, authenticator.type] if verb == "added" else [authenticator.type, None]},
    )
    credentials_changed(user, reason=RevocationReason.AUTHENTICATOR, request=request)
