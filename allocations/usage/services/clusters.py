"""Clusters and their push tokens."""

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models import Gigafactory
from allocations.models.usage import Cluster, ClusterToken
from allocations.usage.services._common import _require_admin

# --- clusters and tokens ------------------------------------------------------------------------------------------


def cluster_create(*, name: str, gigafactory: Gigafactory, time_zone: str = "", by: User) -> Cluster:
    """An allocation admin registers a Slurm cluster of a Gigafactory (its ``sacct`` ClusterName)."""
    _require_admin(by)
    name = (name or "").strip().lower()
    time_zone = (time_zone or settings.TIME_ZONE).strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter the cluster's name.")
    elif Cluster.objects.filter(name=name).exists():
        errors["name"] = _("A cluster with this name exists already.")
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = _("Enter a time zone such as Europe/Brussels.")
    if errors:
        raise ValidationError(errors)
    return Cluster.objects.create(name=name, gigafactory=gigafactory, timezone=time_zone)


def cluster_token_create(*, cluster: Cluster, name: str, by: User) -> tuple[ClusterToken, str]:
    """A new push token for ``cluster``. Returns the token and its key, which is shown once and never stored."""
    _require_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the token (for example the host that pushes).")})
    key = "gapc_" + secrets.token_urlsafe(32)
    token = ClusterToken.objects.create(
        cluster=cluster, name=name[:100], key_prefix=key[:12], key_hash=ClusterToken.hash(key), created_by=by
    )
    return token, key


def cluster_token_revoke(*, token: ClusterToken, by: User) -> ClusterToken:
    _require_admin(by)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
