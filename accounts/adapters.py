"""allauth adapters: account emails leave through the Celery email task, after commit; staff keep their MFA."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.roles import holds_staff_role
from portal.emails import queue_email, recipient_languages


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed sign-in attempts for this account. For your security, signing in is paused for a few "
            "minutes. Try again later, or reset your password."
        ),
    }

    def send_mail(self, template_prefix, email, context):
        # Rendered now, inside the request, so links are absolute URLs on the host the user is visiting. The
        # greeting names the portal from settings (without the sites framework it would be the request's host).
        # In the recipient's language when the address belongs to an account that chose one (a password reset
        # asked for from a browser in another language); else in the page's language.
        context = {**context, "current_site": portal_site()}
        language = next(iter(recipient_languages([email], default=translation.get_language())))
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        queue_email(to=list(message.to), subject=message.subject, body=message.body, html=html)

    def get_from_email(self):
        return settings.DEFAULT_FROM_EMAIL

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"


def portal_site() -> SimpleNamespace:
    """The portal's name and domain for account emails: ``SITE_NAME`` and the host of ``SITE_URL``."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class MfaAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires two-factor authentication, so the authenticator app cannot be turned off. "
            "If you lost your device, sign in with a recovery code and set up the app again."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and holds_staff_role(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
