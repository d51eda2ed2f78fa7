"""The post-award cast: alice's award on the Jupiter Gigafactory, accepted, whose last slice has ended; carol
(call manager and allocation admin) with TOTP, as the staff pages require. For change requests: alice's active
grant of 1,000 GPU-hours in the current quarter and erin, a second PI of alice's organisation with her own."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import MembershipRole
from allocations.models.capacity import Award, Grant
from allocations.postaward.reports import services
from tests.conftest import activate_totp
from tests.factories import (
    GigafactoryFactory,
    MembershipFactory,
    UserFactory,
    active_grant,
    ensure_platform_groups,
)

HOUR = 3600


@pytest.fixture(autouse=True)
def _platform_groups(db):
    ensure_platform_groups()


@pytest.fixture
def carol(carol):
    return activate_totp(carol)


@pytest.fixture
def gigafactory(db):
    return GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE", accelerator_count=1000)


def end_award(award: Award, *, ends_before: dt.date) -> Award:
    """Move the award and its slices so that the last slice ends (exclusive) on ``ends_before``: the project is
    over. The allocation itself is made through the real services; only its dates are moved into the past."""
    starts_on = ends_before - dt.timedelta(days=90)
    Grant.objects.filter(award=award).update(starts_on=starts_on, ends_on=ends_before)
    Award.objects.filter(pk=award.pk).update(starts_on=starts_on, ends_on=ends_before)
    award.refresh_from_db()
    return award


def award_of(*, carol, gigafactory, pi, organisation, title: str = "Baltic speech models", call=None) -> Award:
    grant = active_grant(by=carol, gigafactory=gigafactory, pi=pi, organisation=organisation, hours=1_000, call=call)
    grant.application.title = title
    grant.application.save(update_fields=["title"])
    return grant.award


@pytest.fixture
def ended_award(carol, alice, alice_org, gigafactory):
    """alice's accepted award, ended (exclusive end) ten days ago."""
    award = award_of(carol=carol, gigafactory=gigafactory, pi=alice, organisation=alice_org)
    return end_award(award, ends_before=timezone.localdate() - dt.timedelta(days=10))


@pytest.fixture
def report(ended_award):
    """The final report of alice's ended award, opened by the beat job."""
    assert services.final_reports_open() == 1
    return ended_award.final_report


@pytest.fixture
def grant(carol, alice, alice_org, gigafactory):
    """alice's active grant of 1,000 GPU-hours in the current quarter."""
    return active_grant(by=carol, gigafactory=gigafactory, hours=1_000, organisation=alice_org, pi=alice)


@pytest.fixture
def erin(alice_org):
    """A member of alice's organisation, PI of another project."""
    user = UserFactory(email="erin@aurora-ai.eu", full_name="Erin Engineer")
    MembershipFactory(organisation=alice_org, user=user, role=MembershipRole.MEMBER)
    return user


@pytest.fixture
def erin_grant(carol, erin, alice_org, gigafactory, grant):
    """erin's active grant of 500 GPU-hours on the same Gigafactory and quarter."""
    return active_grant(by=carol, gigafactory=gigafactory, hours=500, organisation=alice_org, pi=erin)
