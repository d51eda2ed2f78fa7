"""The dashboards cast: carol (call manager and allocation admin) and dora (finance admin), each with a real TOTP
authenticator so the staff MFA middleware lets them in; a seeded data set built through the real services; and a
"large" data set from the benchmark's bulk seeder."""

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from rest_framework.test import APIClient

from allocations.applications.workflow import Action, Status
from allocations.bench.dashboards import Scale, seed
from allocations.dashboards.services import usage_summary_refresh
from allocations.models import ApplicationEvent
from allocations.models.usage import UsageDaily, UsageReclaim
from tests.conftest import login_staff
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    GigafactoryFactory,
    OrganisationFactory,
    active_grant,
    ensure_platform_groups,
)

HOUR = 3600


def activate_totp(user):
    """TOTP activated the way allauth's activation view does it (an ``Authenticator`` row with the secret)."""
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


@pytest.fixture(autouse=True)
def _platform_groups(db):
    ensure_platform_groups()


@pytest.fixture
def carol(carol):
    return activate_totp(carol)


@pytest.fixture
def dora(dora):
    return activate_totp(dora)


@pytest.fixture
def carol_client(client, carol):
    return login_staff(client, carol)


@pytest.fixture
def carol_api(carol):
    api = APIClient()
    api.force_authenticate(carol)
    return api


@pytest.fixture
def seeded(carol, alice, alice_org):
    """Two Gigafactories; on Jupiter a Large Scale call with three active grants (alice's start-up in Estonia, an
    SME in France, a university in Portugal) and a confidential call with one; usage on two grants; a
    reclaim; a draft, a submitted and a rejected application. Returns a dict of what it made."""
    jupiter = GigafactoryFactory(
        name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE", accelerator_count=1000
    )
    GigafactoryFactory(name="Alps AI Gigafactory", slug="alps", host_country="CH", accelerator_count=500)
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[jupiter])
    secret = CallFactory(
        title="Large Scale defence", slug="large-scale-defence", gigafactories=[jupiter], awards_confidential=True
    )
    sme = OrganisationFactory(legal_name="Lumière SAS", country="FR", type="sme")
    uni = OrganisationFactory(legal_name="Universidade do Porto", country="PT", type="university")
    hidden_org = OrganisationFactory(legal_name="Secret Defence Lab", country="NL", type="research")
    grants = [
        active_grant(by=carol, gigafactory=jupiter, hours=1_000, organisation=alice_org, pi=alice, call=call),
        active_grant(by=carol, gigafactory=jupiter, hours=2_000, organisation=sme, call=call),
        active_grant(by=carol, gigafactory=jupiter, hours=3_000, organisation=uni, call=call),
        active_grant(by=carol, gigafactory=jupiter, hours=500, organisation=hidden_org, call=secret),
    ]
    hidden_app = grants[3].application
    hidden_app.title, hidden_app.acronym = "Classified radar models", "RADAR"
    hidden_app.save(update_fields=["title", "acronym"])
    for grant, days in ((grants[0], [(0, 40), (1, 60)]), (grants[1], [(2, 500)])):
        for offset, hours in days:
            UsageDaily.objects.create(
                grant=grant,
                day=grant.starts_on + dt.timedelta(days=offset + 3),
                gpu_seconds=hours * HOUR,
                posted_seconds=hours * HOUR,
                jobs=1,
            )
    UsageReclaim.objects.create(
        grant=grants[2], period=grants[2].period, to_pool=grants[2].pool, amount_seconds=100 * HOUR
    )
    # Decisions for the grants' applications (the factory sets statuses directly), days after submission.
    for n, grant in enumerate(grants, start=1):
        ApplicationEvent.objects.create(
            application=grant.application,
            action=Action.APPROVE,
            from_status=Status.PANEL,
            to_status=Status.APPROVED,
            actor=carol,
        )
        app = grant.application
        app.submitted_at = timezone.now() - dt.timedelta(days=2 * n)
        app.save(update_fields=["submitted_at"])
    draft = ApplicationFactory(call=call, organisation=sme, title="Draft project never shown")
    rejected = ApplicationFactory(
        call=call,
        organisation=uni,
        title="Rejected project never shown",
        status=Status.REJECTED,
        reference="GAP-2027-900001",
        submitted_at=timezone.now() - dt.timedelta(days=9),
        cutoff=call.cutoffs.first(),
    )
    submitted = ApplicationFactory(
        call=call,
        organisation=sme,
        title="Waiting project",
        status=Status.SUBMITTED,
        reference="GAP-2027-900002",
        submitted_at=timezone.now() - dt.timedelta(days=1),
        cutoff=call.cutoffs.first(),
        requested_gpu_hours=7_000,
    )
    refresh = usage_summary_refresh(trigger="test")
    return {
        "jupiter": jupiter,
        "call": call,
        "secret": secret,
        "grants": grants,
        "draft": draft,
        "rejected": rejected,
        "submitted": submitted,
        "refresh": refresh,
    }


LARGE = Scale(
    applications=800,
    grants=160,
    usage_rows=4_000,
    transfers=60,
    calls=8,
    organisations=60,
    reviewers=12,
    assignments=400,
)


@pytest.fixture
def large(carol):
    """The benchmark's bulk data set at a test-sized scale (hundreds of applications, thousands of usage rows)."""
    return seed(LARGE)
