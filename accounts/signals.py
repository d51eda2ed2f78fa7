"""Receivers for Django's and allauth's authentication signals (connected in ``AccountsConfig.ready``)."""

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.mfa import mark_session_user, record_enrolment


@receiver(user_logged_in, dispatch_uid="accounts.mark_logged_in_user")
def mark_logged_in_user(sender, request, user, **kwargs):
    """``login()`` puts a fresh user object on the request: give it this session's MFA state too."""
    if request is not None and hasattr(request, "session") and getattr(request, "user", None) is user:
        mark_session_user(request, user)


@receiver(authenticator_added, dispatch_uid="accounts.totp_enrolled_in_session")
def totp_enrolled_in_session(sender, request, user, authenticator, **kwargs):
    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_enrolment(request, user, authenticator)
