"""``Authorization: Cluster <key>``: a cluster pushing its job records with a token scoped to that cluster.

Only the record push endpoint accepts it; every other endpoint ignores the header, so a cluster token reads
nothing. The authenticated principal is not a user: it has no roles and no organisations.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from allocations.models.usage import ClusterToken


class ClusterPrincipal:
    """``request.user`` of a cluster-token request."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    _platform_roles: set = set()  # read by accounts.roles.user_roles: a cluster holds no role

    def __init__(self, token: ClusterToken):
        self.token = token
        self.cluster = token.cluster

    def __str__(self) -> str:
        return f"cluster {self.cluster.name}"

    @property
    def throttle_ident(self) -> str:
        """Each cluster has its own request budget (``portal.api.UserRateThrottle``)."""
        return f"cluster-{self.cluster.pk}"


def is_cluster(user) -> bool:
    return isinstance(user, ClusterPrincipal)


class ClusterTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Cluster"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as: Cluster <key>."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        token = (
            ClusterToken.objects.select_related("cluster")
            .filter(key_hash=ClusterToken.hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ClusterToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (ClusterPrincipal(token), token)

    def authenticate_header(self, request) -> str:
        return self.keyword


class ClusterTokenScheme(OpenApiAuthenticationExtension):
    """Documents the cluster token in the OpenAPI schema."""

    target_class = "allocations.usage.auth.ClusterTokenAuthentication"
    name = "clusterToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("`Cluster <key>`: a token scoped to one cluster, for pushing job records."),
        }
