"""``Authorization: Token <key>`` with personal tokens (hashed at rest, scoped, expiring, revocable)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts.mfa import mark_user
from accounts.models import ApiToken, TokenScope


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token has the read scope only: it cannot change anything. Create a token with write.")
    default_code = "token_read_only"


class PersonalTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and request.method not in SAFE_METHODS and not result[1].allows(TokenScope.WRITE):
            raise ReadOnlyToken()
        return result

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(key), revoked_at__isnull=True).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if now >= token.expires_at:
            raise exceptions.AuthenticationFailed(_("This token expired; create a new one on your profile page."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # Staff power only with the staff scope, which is minted only in a session that passed MFA.
        return (mark_user(token.user, mfa_passed=token.allows(TokenScope.STAFF)), token)
