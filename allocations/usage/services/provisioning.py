"""Writes of provisioning: cluster user names, grant teams, the site agents' reports, the usage cursor and the
alert when an agent goes silent."""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models import Application, ApplicationMember, Gigafactory
from allocations.models.capacity import Grant
from allocations.models.provisioning import (
    POSIX_USERNAME,
    AccountProvisioning,
    ClusterUsername,
    GrantMember,
    ProvisioningReport,
    ProvisioningStatus,
)
from allocations.models.usage import Cluster
from allocations.usage import provisioning, selectors
from portal import l10n
from portal.emails import queue_translated_email

MAX_REPORT_ACTIONS = 100_000


def cluster_username_set(*, user: User, gigafactory: Gigafactory, username: str) -> ClusterUsername | None:
    """``user`` registers (or changes, or with an empty name removes) their user name on a Gigafactory's
    clusters. The name must be a POSIX user name not taken by someone else on that Gigafactory."""
    username = (username or "").strip()
    with transaction.atomic():
        if not username:
            ClusterUsername.objects.filter(user=user, gigafactory=gigafactory).delete()
            return None
        if not re.fullmatch(POSIX_USERNAME, username):
            raise ValidationError(
                {
                    "username": _(
                        "Use lower-case letters, digits, '_' and '-', starting with a letter or '_' (at most 32)."
                    )
                }
            )
        taken = ClusterUsername.objects.filter(gigafactory=gigafactory, username=username).exclude(user=user)
        if taken.exists():
            raise ValidationError({"username": _("Someone else uses this name on %(g)s.") % {"g": gigafactory}})
        try:
            with transaction.atomic():
                row, _created = ClusterUsername.objects.update_or_create(
                    user=user, gigafactory=gigafactory, defaults={"username": username}
                )
        except IntegrityError:
            raise ValidationError({"username": _("Someone else uses this name on %(g)s.") % {"g": gigafactory}})
    return row


def team_candidates(*, application: Application) -> list[User]:
    """Who the PI may add: the PI and the application's team members who have an account on the portal."""
    ids = {
        application.pi_id,
        *ApplicationMember.objects.filter(application=application).values_list("user_id", flat=True),
    }
    return list(User.objects.filter(pk__in=[i for i in ids if i], is_active=True).order_by("full_name", "email"))


def _require_pi(application: Application, by: User) -> None:
    if application.pi_id != by.pk:
        raise PermissionDenied(_("Only the PI manages the grant's team."))


def grant_member_add(*, grant: Grant, user: User, by: User) -> GrantMember:
    """The PI adds a person of the application's team to the grant's Slurm account (every slice of it)."""
    application = grant.application
    _require_pi(application, by)
    if user not in team_candidates(application=application):
        raise ValidationError({"user": _("Add the PI or a member of the application's team.")})
    member, _created = GrantMember.objects.get_or_create(application=application, user=user, defaults={"added_by": by})
    return member


def grant_member_remove(*, grant: Grant, user_id: int, by: User) -> int:
    """The PI removes a person from the grant's team; the next agent run removes their association."""
    _require_pi(grant.application, by)
    deleted, _rows = GrantMember.objects.filter(application_id=grant.application_id, user_id=user_id).delete()
    return deleted


def provisioning_report_record(*, cluster: Cluster, report: dict, now: dt.datetime | None = None) -> ProvisioningReport:
    """Store one agent run (append-only) and rewrite the per-account status: failed (with the agent's message)
    when an action on the account failed, applied when the account is on the cluster with nothing left to do,
    pending otherwise. Also the cluster's heartbeat: it clears a silence alert."""
    now = now or timezone.now()
    actions = report.get("actions") or []
    drift = report.get("drift") or []
    if len(actions) > MAX_REPORT_ACTIONS:
        raise ValidationError({"actions": _("Too many actions in one report.")})
    failures: dict[str, str] = {}
    for action in actions:
        if action.get("status") == "failed":
            failures.setdefault(action["account"], action.get("message") or _("failed"))
    drifting = {str(item.get("account", "")) for item in drift if isinstance(item, dict)}
    present = set(report.get("accounts") or [])
    desired = {a.name for a in provisioning.desired_accounts(cluster=cluster, today=timezone.localdate(now))}
    with transaction.atomic():
        row = ProvisioningReport.objects.create(
            cluster=cluster,
            version=str(report.get("version", ""))[:64],
            agent_version=str(report.get("agent_version", ""))[:32],
            actions=actions,
            drift=drift,
            failed=sum(1 for a in actions if a.get("status") == "failed"),
        )
        statuses = []
        for name in sorted(desired | set(failures) | present):
            if name in failures:
                status, message = ProvisioningStatus.FAILED, failures[name]
            elif name in present and name not in drifting:
                status, message = ProvisioningStatus.APPLIED, ""
            else:
                status, message = ProvisioningStatus.PENDING, ""
            statuses.append(
                AccountProvisioning(cluster=cluster, slurm_account=name, status=status, message=message, updated_at=now)
            )
        AccountProvisioning.objects.filter(cluster=cluster).exclude(
            slurm_account__in=[s.slurm_account for s in statuses]
        ).delete()
        AccountProvisioning.objects.bulk_create(
            statuses,
            update_conflicts=True,
            unique_fields=["cluster", "slurm_account"],
            update_fields=["status", "message", "updated_at"],
        )
        Cluster.objects.filter(pk=cluster.pk).update(last_report_at=now, silence_alerted_at=None)
    return row


def usage_cursor_advance(*, cluster: Cluster, until: dt.datetime, now: dt.datetime | None = None) -> dt.datetime:
    """The agent pushed every finished job up to ``until``: the next window starts there (never moves back, never
    into the future)."""
    now = now or timezone.now()
    until = min(until, now)
    with transaction.atomic():
        locked = Cluster.objects.select_for_update().get(pk=cluster.pk)
        if locked.usage_pushed_until is None or until > locked.usage_pushed_until:
            locked.usage_pushed_until = until
            locked.save(update_fields=["usage_pushed_until"])
    return locked.usage_pushed_until


def _silent_cluster_email(cluster: Cluster) -> tuple[str, str]:
    when = l10n.moment(cluster.last_report_at)
    subject = _("Cluster %(name)s: the site agent has not reported since %(when)s") % {
        "name": cluster.name,
        "when": when,
    }
    body = _(
        "The site agent of cluster %(name)s last reported at %(when)s. Accounts and limits on the "
        "cluster are not updated and its usage does not arrive until it runs again."
    ) % {"name": cluster.name, "when": when}
    return subject, body


def silent_clusters_alert(*, now: dt.datetime | None = None) -> list[str]:
    """Beat job: email the allocation admins once about each cluster whose agent stopped reporting (the mark is
    cleared by its next report). Returns the clusters alerted."""
    now = now or timezone.now()
    alerted = []
    for cluster in provisioning.silent_clusters(now=now):
        with transaction.atomic():
            marked = Cluster.objects.filter(pk=cluster.pk, silence_alerted_at__isnull=True).update(
                silence_alerted_at=now
            )
            if not marked:
                continue
            queue_translated_email(
                to=selectors.allocation_admin_emails(),
                render=lambda cluster=cluster: _silent_cluster_email(cluster),
            )
            alerted.append(cluster.name)
    return alerted
