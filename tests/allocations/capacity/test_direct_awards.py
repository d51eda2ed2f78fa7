"""Partner pools in use: the partner's contact (or an allocation admin on its behalf) awards hours from the pool
with a justification; an award beyond the pool is refused with the ledger's reason; another partner's contact,
and anybody else, is told the pool does not exist."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from allocations.applications.workflow import Status
from allocations.capacity import services
from allocations.models.capacity import Award, Grant, GrantStatus, Pool, PoolKind
from ledger import services as ledger_services
from tests.allocations.capacity.conftest import HOUR, assert_ledger_invariants, balance
from tests.conftest import login_staff, staff_api_client
from tests.factories import PartnerFactory, TrancheFactory, UserFactory, approved_application, period_with_pools
from tests.factories.allocations import access_mode


@pytest.fixture
def partner_pool(carol, dora, gigafactory):
    """Nordic Infrastructure Partners paid in; half of the 2027 Q1 capacity is theirs; nils is their contact."""
    nils = UserFactory(email="nils@nordic.example")
    partner = PartnerFactory(name="Nordic Infrastructure Partners", contacts=[nils])
    rival_contact = UserFactory(email="rita@rival.example")
    rival = PartnerFactory(name="Rival Compute", contacts=[rival_contact])
    tranche = TrancheFactory(partners=[partner, rival])
    for who, cents in ((partner, 100_000_00), (rival, 100_000_00)):
        pledge = ledger_services.pledge_record(partner=who, tranche=tranche, amount_cents=cents, by=dora)
        ledger_services.pending_post(pending=pledge, by=dora)
    period = period_with_pools(
        by=carol, gigafactory=gigafactory, accelerators=10, open_shares={access_mode("large-scale").pk: 5000}
    )
    pool = Pool.objects.select_related("account").get(period=period, kind=PoolKind.PARTNER, partner=partner)
    return {"pool": pool, "contact": nils, "rival": rival_contact}


def test_the_partner_contact_awards_from_the_pool_with_a_justification(partner_pool, call):
    pool, nils = partner_pool["pool"], partner_pool["contact"]
    application = approved_application(call=call, requested=2_000)
    award = services.award_direct(
        pool_id=pool.pk, application_id=application.pk, hours=1_000, justification="Nordic LLM partner", by=nils
    )
    assert (award.kind, award.partner_id, award.total_seconds) == (PoolKind.PARTNER, pool.partner_id, 1_000 * HOUR)
    assert award.justification == "Nordic LLM partner" and award.created_by == nils
    (grant,) = Grant.objects.filter(award=award)
    assert (grant.pool_id, grant.granted_seconds, grant.status) == (pool.pk, 1_000 * HOUR, GrantStatus.OFFERED)
    assert balance(pool.account) == pool.size_seconds - 1_000 * HOUR
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    assert_ledger_invariants()


def test_an_award_beyond_the_pool_is_refused_by_the_ledger(partner_pool, call, carol):
    pool = partner_pool["pool"]
    application = approved_application(call=call, requested=100_000)
    too_many = pool.size_seconds // HOUR + 1
    with pytest.raises(ValidationError) as refused:
        services.award_direct(
            pool_id=pool.pk, application_id=application.pk, hours=too_many, justification="on behalf", by=carol
        )
    assert "The ledger refused the transfer (exceeds_credits)" in str(refused.value)
    assert not Award.objects.exists() and balance(pool.account) == pool.size_seconds
    with pytest.raises(ValidationError, match="Say why"):
        services.award_direct(pool_id=pool.pk, application_id=application.pk, hours=10, justification=" ", by=carol)
    assert_ledger_invariants()


def test_other_partners_and_applicants_do_not_find_the_pool(partner_pool, call, alice):
    pool = partner_pool["pool"]
    application = approved_application(call=call, requested=100)
    for user in (partner_pool["rival"], alice):
        with pytest.raises(Pool.DoesNotExist):
            services.award_direct(pool_id=pool.pk, application_id=application.pk, hours=10, justification="x", by=user)
    assert not Award.objects.exists()


# --- the partner awards page and API --------------------------------------------------------------------------------


def test_the_partner_contact_awards_on_the_page_after_mfa(partner_pool, call, client):
    pool, nils = partner_pool["pool"], partner_pool["contact"]
    application = approved_application(call=call, requested=2_000)
    url = reverse("partner_award_create", args=[pool.pk])
    client.force_login(nils)  # password only: sent to the two-factor step first
    assert client.get(url).status_code == 302
    login_staff(client, nils)
    listing = client.get(reverse("partner_awards")).content.decode()
    assert url in listing and "Nordic Infrastructure Partners" in listing
    response = client.post(url, {"reference": application.reference, "hours": 1_500, "justification": " "})
    assert response.status_code == 400 and "id_justification_errors" in response.content.decode()
    data = {"reference": application.reference, "hours": 1_500, "justification": "Nordic LLM partner"}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == reverse("partner_awards")
    award = Award.objects.get(application=application)
    assert (award.total_seconds, award.partner_id, award.created_by) == (1_500 * HOUR, pool.partner_id, nils)
    listing = client.get(reverse("partner_awards")).content.decode()
    assert application.reference in listing and "Nordic LLM partner" in listing


def test_an_over_award_on_the_page_shows_the_ledger_reason(partner_pool, call, carol, client):
    pool = partner_pool["pool"]
    application = approved_application(call=call, requested=100_000)
    login_staff(client, carol)  # an allocation admin on the partner's behalf
    data = {"reference": application.reference, "hours": pool.size_seconds // HOUR + 1, "justification": "x"}
    response = client.post(reverse("partner_award_create", args=[pool.pk]), data)
    assert response.status_code == 400
    assert "The ledger refused the transfer (exceeds_credits)" in response.content.decode()
    assert not Award.objects.exists()


def test_another_partner_gets_404_on_the_page_and_the_api(partner_pool, call, client):
    pool, rita = partner_pool["pool"], partner_pool["rival"]
    application = approved_application(call=call, requested=100)
    login_staff(client, rita)
    assert client.get(reverse("partner_award_create", args=[pool.pk])).status_code == 404
    api = staff_api_client(rita)
    body = {"application": application.reference, "hours": 10, "justification": "x"}
    assert api.post(f"/api/v1/pools/{pool.pk}/awards/", body, format="json").status_code == 404
    assert not Award.objects.exists()


def test_the_api_awards_and_refuses_an_over_award_with_the_ledger_reason(partner_pool, call):
    pool, nils = partner_pool["pool"], partner_pool["contact"]
    application = approved_application(call=call, requested=2_000)
    api = staff_api_client(nils)
    url = f"/api/v1/pools/{pool.pk}/awards/"
    too_many = {"application": application.reference, "hours": pool.size_seconds // HOUR + 1, "justification": "x"}
    refused = api.post(url, too_many, format="json")
    assert refused.status_code == 400 and "exceeds_credits" in str(refused.json())
    wanted = {"application": application.reference, "hours": 800, "justification": "LLM"}
    response = api.post(url, wanted, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["total_seconds"], body["justification"]) == ("partner", 800 * HOUR, "LLM")
    assert [s["granted_seconds"] for s in body["slices"]] == [800 * HOUR]
    assert api.get(f"/api/v1/awards/{body['id']}/").status_code == 200  # the contact reads their partner's award
    without_mfa = staff_api_client(nils, mfa_passed=False)
    other = approved_application(call=call, requested=100)
    body = {"application": other.reference, "hours": 10, "justification": "x"}
    assert without_mfa.post(url, body, format="json").status_code == 403
    assert_ledger_invariants()


def test_a_waitlisted_application_sponsored_by_the_partner_gets_an_award(partner_pool, call):
    pool, nils = partner_pool["pool"], partner_pool["contact"]
    application = approved_application(call=call, requested=2_000)
    application.status = Status.WAITLISTED
    application.save(update_fields=["status"])
    services.award_direct(
        pool_id=pool.pk, application_id=application.pk, hours=500, justification="sponsored by Nordic", by=nils
    )
    application.refresh_from_db()
    assert application.status == Status.OFFERED
