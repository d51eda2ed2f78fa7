"""Change-request pages: the PI asks from the grant page, the other party answers, allocation admins list, filter
and decide; everybody else gets 403 or 404."""

import datetime as dt

import pytest
from django.urls import reverse

from allocations.models.changes import ChangeKind, ChangeRequest, ChangeStatus
from allocations.postaward.changes import services
from tests.allocations.postaward.conftest import HOUR
from tests.conftest import login_staff


def _ask(grant, by, kind=ChangeKind.SUPPLEMENT, **fields):
    fields = fields or {"amount_seconds": 10 * HOUR}
    return services.change_request_create(grant_id=grant.pk, kind=kind, justification="Needed.", by=by, **fields)


def test_the_pi_asks_for_an_extension_from_the_grant_page(client, alice, grant):
    client.force_login(alice)
    page = client.get(reverse("grant_detail", args=[grant.pk]))
    new_url = reverse("change_request_new", args=[grant.pk, "extension"])
    assert new_url in page.content.decode()
    assert client.get(new_url).status_code == 200
    new_end = grant.ends_on + dt.timedelta(days=31)
    response = client.post(new_url, {"new_ends_on": new_end.isoformat(), "justification": "A late dataset."})
    change = ChangeRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("change_request_detail", args=[change.pk])
    assert change.kind == ChangeKind.EXTENSION and change.new_ends_on == new_end
    assert "Submitted" in client.get(response.url).content.decode()


def test_the_form_re_renders_with_the_rules_error(client, alice, grant):
    client.force_login(alice)
    url = reverse("change_request_new", args=[grant.pk, "extension"])
    response = client.post(url, {"new_ends_on": grant.ends_on.isoformat(), "justification": "x"})
    assert response.status_code == 400
    assert "Choose a date after the current end" in response.content.decode()
    response = client.post(reverse("change_request_new", args=[grant.pk, "supplement"]), {"hours": "lots"})
    assert response.status_code == 400 and not ChangeRequest.objects.exists()


def test_a_transfer_offers_only_grants_of_the_organisation(client, alice, grant, erin_grant):
    client.force_login(alice)
    url = reverse("change_request_new", args=[grant.pk, "transfer"])
    assert erin_grant.application.reference in client.get(url).content.decode()
    response = client.post(url, {"target_grant": erin_grant.pk, "hours": 5, "justification": "Share."})
    assert response.status_code == 302
    assert ChangeRequest.objects.get().status == ChangeStatus.AWAITING_CONSENT


def test_others_get_403_or_404(client, alice, erin, mallory, grant):
    change = _ask(grant, alice)
    client.force_login(mallory)
    assert client.get(reverse("change_request_new", args=[grant.pk, "extension"])).status_code == 404
    assert client.get(reverse("change_request_detail", args=[change.pk])).status_code == 404
    assert client.post(reverse("change_request_act", args=[change.pk]), {"action": "withdraw"}).status_code == 404
    client.force_login(erin)  # a member of the organisation, not the grant's PI
    assert client.get(reverse("change_request_new", args=[grant.pk, "extension"])).status_code == 403
    assert client.get(reverse("change_request_detail", args=[change.pk])).status_code == 200
    assert client.post(reverse("change_request_act", args=[change.pk]), {"action": "withdraw"}).status_code == 403
    client.force_login(alice)
    assert client.get(reverse("change_request_new", args=[grant.pk, "more-gpus"])).status_code == 404
    assert client.get(reverse("staff_change_request_list")).status_code == 404


def test_the_other_party_consents_on_the_request_page(client, alice, erin, grant, erin_grant):
    change = _ask(grant, alice, ChangeKind.TRANSFER, amount_seconds=HOUR, target_grant_id=erin_grant.pk)
    client.force_login(erin)
    url = reverse("change_request_detail", args=[change.pk])
    assert 'value="consent"' in client.get(url).content.decode()
    client.post(reverse("change_request_act", args=[change.pk]), {"action": "consent"})
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED


def test_staff_list_filters_and_paginates(client, carol, alice, grant, django_assert_max_num_queries):
    _ask(grant, alice)
    _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=grant.ends_on + dt.timedelta(days=5))
    login_staff(client, carol)
    url = reverse("staff_change_request_list")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert (
        page.status_code == 200 and page.content.decode().count('<td class="text-nowrap"><a href="/staff/changes/') == 2
    )
    only = client.get(url, {"kind": "extension", "status": "submitted"}).content.decode()
    assert only.count('<td class="text-nowrap"><a href="/staff/changes/') == 1
    assert client.get(url, {"kind": "nonsense"}).status_code == 400
    assert client.get(url, {"page": "999"}).status_code == 200


def test_other_staff_get_403(client, bob, alice, grant):
    change = _ask(grant, alice)
    login_staff(client, bob)
    assert client.get(reverse("staff_change_request_list")).status_code == 403
    assert client.get(reverse("staff_change_request_detail", args=[change.pk])).status_code == 403


@pytest.mark.parametrize("action", ["approve", "refuse"])
def test_the_admin_decides_and_the_applicant_reads_the_reason(client, carol, alice, grant, action):
    change = _ask(grant, alice)
    login_staff(client, carol)
    url = reverse("staff_change_request_detail", args=[change.pk])
    assert 'value="approve"' in client.get(url).content.decode()
    client.post(url, {"action": action, "reason": "Pool kept for the cut-off." if action == "refuse" else ""})
    change.refresh_from_db()
    assert change.status == (ChangeStatus.APPROVED if action == "approve" else ChangeStatus.REFUSED)
    client.force_login(alice)
    page = client.get(reverse("grant_detail", args=[grant.pk])).content.decode()
    assert change.get_status_display() in page
    if action == "refuse":
        assert "Pool kept for the cut-off." in page
    assert "Carol" not in client.get(reverse("change_request_detail", args=[change.pk])).content.decode()


def test_a_refusal_without_reason_is_not_recorded(client, carol, alice, grant):
    change = _ask(grant, alice)
    login_staff(client, carol)
    url = reverse("staff_change_request_detail", args=[change.pk])
    response = client.post(url, {"action": "refuse", "reason": ""}, follow=True)
    assert "Give the reason" in response.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED


def test_supplement_beyond_the_pool_shows_the_ledgers_reason(client, carol, alice, grant):
    from tests.allocations.usage.conftest import balance

    change = _ask(grant, alice, amount_seconds=balance(grant.pool.account) + HOUR)
    login_staff(client, carol)
    url = reverse("staff_change_request_detail", args=[change.pk])
    page = client.post(url, {"action": "approve"}, follow=True).content.decode()
    assert "The amount exceeds what the account holds." in page
    client.force_login(alice)
    assert (
        "The amount exceeds what the account holds."
        in client.get(reverse("grant_detail", args=[grant.pk])).content.decode()
    )
