"""`seed_demo`: the quick set (``--small``) and the history that makes the portal look in use, built through the
services and idempotent."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accounts.demo import ALICE, BOB
from allocations.applications.workflow import Status
from allocations.dashboards.selectors.awards_register import public_awards
from allocations.models import Application, Call, Gigafactory
from allocations.models.capacity import AllocationRun, Award, Grant, GrantStatus, PoolKind, RunStatus
from allocations.models.changes import ChangeRequest
from allocations.models.dashboards import GrantUsageSummary
from allocations.models.reports import FinalReport, ReportStatus
from allocations.models.usage import UsageAlert, UsageDaily, UsageImport, UsageReclaim
from ledger.demo import PARTNER_CONTACT_EMAIL
from ledger.models import Account, Partner
from portal.models import OutboxMessage
from reviews.models import AssignmentStatus, ReviewAssignment


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }


def _counts() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "calls": Call.objects.count(),
        "grants": Grant.objects.count(),
        "runs": AllocationRun.objects.count(),
        "usage days": UsageDaily.objects.count(),
        "alerts": UsageAlert.objects.count(),
        "reclaims": UsageReclaim.objects.count(),
        "accounts": Account.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def _statuses() -> list[tuple]:
    applications = Application.objects.order_by("pk").values_list("pk", "status")
    assignments = ReviewAssignment.objects.order_by("pk").values_list("pk", "status")
    return [*applications, *assignments]


@pytest.mark.django_db
def test_the_small_set_is_the_quick_one(media):
    out = io.StringIO()
    call_command("seed_demo", "--force", "--small", stdout=out)
    assert "allocations.demo.history" not in out.getvalue()
    assert Gigafactory.objects.count() == 4
    assert Call.objects.count() == 3
    assert Application.objects.count() == 4  # alice's three and a Large Scale one of Nordlys
    assert not Grant.objects.exists() and not UsageImport.objects.exists()
    assert Partner.objects.count() == 10


@pytest.mark.django_db
def test_the_history_is_a_portal_in_use_and_a_second_run_changes_nothing(media):
    """One past quarter instead of six (the same code, a quarter of the time)."""
    call_command("seed_demo", "--force", "--small", stdout=io.StringIO())
    before = OutboxMessage.objects.count()
    call_command("seed_demo", "--force", "--quarters", "1", stdout=io.StringIO())
    counts = _counts()
    statuses = _statuses()
    out = io.StringIO()
    call_command("seed_demo", "--force", "--quarters", "1", stdout=out)
    assert "history: already seeded" in out.getvalue()
    assert _counts() == counts
    assert _statuses() == statuses  # the quick set's seeds leave the history's applications alone

    # Every stage of the life cycle, from drafts to closed grants.
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.INELIGIBLE,
        Status.IN_REVIEW,
        Status.RIGHT_TO_REPLY,
        Status.PANEL,
        Status.WAITLISTED,
        Status.REJECTED,
        Status.OFFERED,
        Status.ACCEPTED,
        Status.DECLINED,
        Status.ACTIVE,
        Status.CLOSED,
        Status.WITHDRAWN,
    }
    assert {"playground", "fast-lane", "large-scale"} == set(
        Application.objects.values_list("call__access_mode__code", flat=True)
    )
    # Past e-mails and tasks were not left for the relay.
    assert OutboxMessage.objects.count() == before
    # Usage came in through imports, crossed thresholds and was reclaimed; the dashboards' summary is built.
    assert UsageImport.objects.filter(status="succeeded").exists()
    assert UsageDaily.objects.aggregate(s=Sum("gpu_seconds"))["s"] > 0
    assert UsageAlert.objects.filter(threshold=80).exists() and UsageAlert.objects.filter(threshold=100).exists()
    assert UsageReclaim.objects.filter(amount_seconds__gt=0).exists()
    assert GrantUsageSummary.objects.count() == Grant.objects.count()
    # Change requests on running grants: one waiting for carol, one approved, one refused with its reason.
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"submitted", "approved", "refused"}
    assert public_awards().count() > 10
    assert Partner.objects.count() == 12
    # Ended awards have their final reports (one is left overdue, to show the case).
    assert FinalReport.objects.filter(status=ReportStatus.SUBMITTED).exists()
    assert FinalReport.objects.filter(status=ReportStatus.DRAFT, due_on__lt=timezone.localdate()).count() <= 1
    # The partner contact sponsored waitlisted projects from her partner's pool.
    assert Award.objects.filter(kind=PoolKind.PARTNER, created_by__email=PARTNER_CONTACT_EMAIL).exists()
    # Each of the cast has something to do.
    assert Grant.objects.filter(status=GrantStatus.OFFERED, application__pi__email=ALICE).exists()
    assert Application.objects.filter(pi__email=ALICE, status=Status.RIGHT_TO_REPLY).exists()
    assert ReviewAssignment.objects.filter(reviewer__email=BOB, status=AssignmentStatus.PENDING).exists()
    assert ReviewAssignment.objects.filter(reviewer__email=BOB, status=AssignmentStatus.ACCEPTED).exists()
    assert Application.objects.filter(status=Status.SUBMITTED).exists()  # carol's checks
    assert AllocationRun.objects.filter(status=RunStatus.SUCCEEDED).exists()  # carol's run to commit
