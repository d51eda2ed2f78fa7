"""``Authorization: Token <key>`` with personal tokens (hashed at rest, revocable, several per user)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.mfa import mark_user
from accounts.models import ApiToken


class PersonalTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(key), revoked_at__isnull=True).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # A personal token never carries staff power (the session that minted it may have skipped MFA).
        return (mark_user(token.user, mfa_passed=False), token)
