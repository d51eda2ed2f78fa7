"""Finance pages and partner statements: permissions (404/403), the confirm step, form errors, CSV, query budgets."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger import services
from ledger.models import Transfer
from tests.conftest import login_staff
from tests.factories import PartnerFactory, UserFactory
from tests.ledger.conftest import MILLION


@pytest.fixture
def pledge(dora, nordic, tranches):
    return services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=300 * MILLION, by=dora)


def staff_urls(pledge):
    return [
        reverse("ledger:overview"),
        reverse("ledger:transfer_list"),
        reverse("ledger:contribution_record", args=["pledge"]),
        reverse("ledger:pending_post", args=[pledge.pk]),
        reverse("ledger:pending_void", args=[pledge.pk]),
        reverse("ledger:transfer_reverse", args=[pledge.pk]),
    ]


def test_finance_pages_need_login(client, pledge):
    for url in staff_urls(pledge):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_finance_pages_are_404_for_outsiders_and_403_for_partner_contacts(client, alice, paula, pledge):
    client.force_login(alice)
    for url in staff_urls(pledge):
        assert client.get(url).status_code == 404, url
    client.force_login(paula)
    for url in staff_urls(pledge):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("ledger:pending_void", args=[pledge.pk]), {"confirm": "yes"}).status_code == 403
    assert not Transfer.objects.filter(void_pending=True).exists()


def test_finance_admin_without_mfa_is_sent_to_set_it_up(client, pledge):
    other_admin = UserFactory(email="fin@eurohpc.eu", roles=["finance admin"])
    client.force_login(other_admin)
    response = client.get(reverse("ledger:overview"))
    assert response.status_code == 302 and "totp" in response["Location"]


def test_overview_shows_tranches_open_entries_and_entitlements(dora_client, pledge):
    response = dora_client.get(reverse("ledger:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Senior tranche" in html and "Nordic Infrastructure Partners" in html
    assert 'data-cents="30000000000"' in html  # the open pledge counts as pledged
    assert reverse("ledger:pending_post", args=[pledge.pk]) in html
    assert "js/ledger.js" in html and "chart.umd.min.js" in html


def test_record_a_pledge_with_a_confirm_step(dora_client, nordic, tranches):
    url = reverse("ledger:contribution_record", args=["pledge"])
    form = dora_client.get(url)
    transfer_id = form.context["form"]["transfer_id"].value()
    data = {
        "partner": nordic.pk,
        "tranche": tranches["senior"].pk,
        "amount": "2500000.50",
        "reference": "NIP-7",
        "transfer_id": transfer_id,
    }
    confirm = dora_client.post(url, data)
    assert confirm.status_code == 200
    assert "€2,500,000.50" in confirm.content.decode()
    assert not Transfer.objects.exists()  # nothing is written before the confirmation
    done = dora_client.post(url, {**data, "confirm": "yes"})
    assert done.status_code == 302
    pledge = Transfer.objects.get()
    assert (pledge.pk, pledge.amount, pledge.pending, pledge.user_data) == (
        uuid.UUID(str(transfer_id)),
        250_000_050,
        True,
        "NIP-7",
    )
    # the confirmation submitted twice records once
    assert dora_client.post(url, {**data, "confirm": "yes"}).status_code == 302
    assert Transfer.objects.count() == 1


def test_back_to_the_form_keeps_the_values(dora_client, nordic, tranches):
    url = reverse("ledger:contribution_record", args=["guarantee"])
    data = {"partner": nordic.pk, "tranche": tranches["senior"].pk, "amount": "10", "transfer_id": uuid.uuid4()}
    response = dora_client.post(url, {**data, "confirm": "edit"})
    assert response.status_code == 200
    assert response.context["form"]["amount"].value() == "10"
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    "amount",
    ["", "-5", "abc", "0", "1.001", "99999999999999999999"],
)
def test_bad_input_rerenders_the_form_with_errors(dora_client, nordic, tranches, amount):
    url = reverse("ledger:contribution_record", args=["pledge"])
    data = {"partner": nordic.pk, "tranche": tranches["senior"].pk, "amount": amount, "transfer_id": uuid.uuid4()}
    response = dora_client.post(url, {**data, "confirm": "yes"})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not Transfer.objects.exists()


def test_a_refusal_of_the_service_is_a_form_error(dora_client, nordic, tranches):
    url = reverse("ledger:contribution_record", args=["pledge"])
    data = {"partner": nordic.pk, "tranche": tranches["junior"].pk, "amount": "5", "transfer_id": uuid.uuid4()}
    response = dora_client.post(url, {**data, "confirm": "yes"})
    assert response.status_code == 400
    assert "may not enter" in response.content.decode()


def test_unknown_kind_and_missing_entries_are_404(dora_client):
    assert dora_client.get(reverse("ledger:contribution_record", args=["gift"])).status_code == 404
    assert dora_client.get(reverse("ledger:pending_post", args=[uuid.uuid4()])).status_code == 404
    assert dora_client.get(reverse("ledger:transfer_reverse", args=[uuid.uuid4()])).status_code == 404


def test_record_a_partial_payment_then_withdraw_the_rest(dora_client, pledge):
    url = reverse("ledger:pending_post", args=[pledge.pk])
    data = {"amount": "100000000", "reference": "instalment 1", "transfer_id": uuid.uuid4(), "confirm": "yes"}
    assert dora_client.post(url, data).status_code == 302
    payment = Transfer.objects.get(post_pending=True)
    assert payment.amount == 100 * MILLION
    rest = Transfer.objects.get(pending=True, user_data=pledge.user_data, amount=200 * MILLION)
    # the original pledge is no longer open
    assert dora_client.get(url).status_code == 404
    void_url = reverse("ledger:pending_void", args=[rest.pk])
    assert dora_client.post(void_url, {"transfer_id": uuid.uuid4(), "confirm": "yes"}).status_code == 302
    assert Transfer.objects.filter(void_pending=True, pending_id=rest.pk).exists()


def test_too_large_payment_is_a_form_error(dora_client, pledge):
    url = reverse("ledger:pending_post", args=[pledge.pk])
    response = dora_client.post(url, {"amount": "300000000.01", "transfer_id": uuid.uuid4(), "confirm": "yes"})
    assert response.status_code == 400
    assert "exceeds the open amount" in response.content.decode()


def test_reverse_an_entry_from_the_journal(dora_client, dora, commission, tranches):
    entry = services.in_kind_record(partner=commission, tranche=tranches["junior"], amount_cents=500, by=dora)
    url = reverse("ledger:transfer_reverse", args=[entry.pk])
    assert dora_client.post(url, {"reason": "", "confirm": "yes"}).status_code == 400
    assert dora_client.post(url, {"reason": "typo"}).status_code == 200  # confirmation page
    assert dora_client.post(url, {"reason": "typo", "confirm": "yes"}).status_code == 302
    assert Transfer.objects.filter(code="reversal", amount=500).count() == 1


def test_journal_filters_and_query_budget(dora_client, dora, nordic, tranches, django_assert_max_num_queries):
    def page():
        with django_assert_max_num_queries(12):
            return dora_client.get(reverse("ledger:transfer_list"), {"code": "in_kind"})

    services.in_kind_record(partner=nordic, tranche=tranches["senior"], amount_cents=1, by=dora)
    small = page()
    assert small.status_code == 200 and len(small.context["page"].object_list) == 1
    for amount in range(2, 80):
        services.in_kind_record(partner=nordic, tranche=tranches["senior"], amount_cents=amount, by=dora)
    services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=5, by=dora)
    large = page()
    assert len(large.context["page"].object_list) == 50
    assert large.context["page"].paginator.count == 79
    bad = dora_client.get(reverse("ledger:transfer_list"), {"date_from": "yesterday"})
    assert bad.status_code == 400


def test_overview_query_budget(dora_client, dora, tranches, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert dora_client.get(reverse("ledger:overview")).status_code == 200
    for n in range(20):
        partner = PartnerFactory(name=f"Investor {n}")
        tranches["senior"].eligible_partners.add(partner)
        services.pledge_record(partner=partner, tranche=tranches["senior"], amount_cents=n + 1, by=dora)
        services.in_kind_record(partner=partner, tranche=tranches["senior"], amount_cents=n + 1, by=dora)
    with django_assert_max_num_queries(15):
        response = dora_client.get(reverse("ledger:overview"))
    assert len(response.context["entitlements"]) == 22
    assert sum(e.share_bp for e in response.context["entitlements"]) == 10_000


# --- Partner statements --------------------------------------------------------------------------------------------


def test_partner_contact_reads_only_their_own_statement(client, paula, nordic, commission, pledge):
    client.force_login(paula)
    assert client.get(reverse("ledger:partner_statement", args=[nordic.pk])).status_code == 200
    assert client.get(reverse("ledger:partner_statement", args=[commission.pk])).status_code == 404
    assert client.get(reverse("ledger:partner_statement_csv", args=[commission.pk])).status_code == 404
    listing = client.get(reverse("ledger:partner_list"))
    assert [e.partner for e in listing.context["entitlements"]] == [nordic]


def test_statement_is_404_for_outsiders_and_open_to_finance_admins(client, alice, dora, nordic):
    url = reverse("ledger:partner_statement", args=[nordic.pk])
    client.force_login(alice)
    assert client.get(url).status_code == 404
    assert client.get(reverse("ledger:partner_list")).status_code == 404
    login_staff(client, dora)
    assert client.get(url).status_code == 200


def test_statement_page_and_csv(client, paula, nordic, pledge, dora, django_assert_max_num_queries):
    services.pending_post(pending=pledge, amount_cents=100 * MILLION, by=dora)
    client.force_login(paula)
    today = timezone.localdate().isoformat()
    with django_assert_max_num_queries(12):
        page = client.get(reverse("ledger:partner_statement", args=[nordic.pk]), {"date_from": today, "date_to": today})
    assert page.status_code == 200
    statement = page.context["statement"]
    assert (statement.closing_posted, statement.closing_pending) == (100 * MILLION, 200 * MILLION)
    csv_response = client.get(
        reverse("ledger:partner_statement_csv", args=[nordic.pk]), {"date_from": today, "date_to": today}
    )
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = csv_response.content.decode().strip().splitlines()
    assert rows[0].startswith("date,transfer_id,kind")
    assert rows[1].endswith(",opening,,,0,,0")
    assert rows[-1].endswith(",closing,,,20000000000,,10000000000")
    assert len(rows) == 2 + 3 + 1  # header, opening, pledge + payment + re-opened rest, closing


def test_statement_csv_neutralises_formulas(client, dora, nordic, tranches):
    services.in_kind_record(
        partner=nordic, tranche=tranches["senior"], amount_cents=5, reference="=HYPERLINK(1)", by=dora
    )
    login_staff(client, dora)
    body = client.get(reverse("ledger:partner_statement_csv", args=[nordic.pk])).content.decode()
    assert "'=HYPERLINK(1)" in body


def test_statement_with_bad_dates_is_400(client, paula, nordic):
    client.force_login(paula)
    url = reverse("ledger:partner_statement", args=[nordic.pk])
    assert client.get(url, {"date_from": "2025-02-01", "date_to": "2025-01-01"}).status_code == 400
    assert client.get(url, {"date_from": "not a date"}).status_code == 400
    csv_url = reverse("ledger:partner_statement_csv", args=[nordic.pk])
    assert client.get(csv_url, {"date_from": "x"}).status_code == 400


def test_nav_link_only_for_finance_admins_and_partner_contacts(client, alice, paula, nordic, dora):
    client.force_login(alice)
    assert reverse("ledger:partner_list") not in client.get("/").content.decode()
    client.force_login(paula)
    assert reverse("ledger:partner_list") in client.get("/").content.decode()
    login_staff(client, dora)
    assert reverse("ledger:overview") in client.get("/").content.decode()
