"""/api/v1/ledger/...: finance admins read and write, partner contacts read their own, everyone else gets 404."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ledger import services
from ledger.models import Account, Transfer
from tests.factories import AccountFactory, LedgerFactory, PartnerFactory
from tests.ledger.conftest import MILLION

ACCOUNTS = "/api/v1/ledger/accounts/"
TRANSFERS = "/api/v1/ledger/transfers/"
ENTITLEMENTS = "/api/v1/ledger/entitlements/"


def statement_url(partner) -> str:
    return f"/api/v1/ledger/partners/{partner.pk}/statement/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def booked(dora, nordic, commission, tranches):
    """A pledge of Nordic (partly paid) and an in-kind contribution of the Digital Europe Programme."""
    pledge = services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=300 * MILLION, by=dora)
    services.pending_post(pending=pledge, amount_cents=100 * MILLION, by=dora)
    services.in_kind_record(partner=commission, tranche=tranches["junior"], amount_cents=50 * MILLION, by=dora)
    return pledge


def batch_body(accounts, n=3, **extra):
    return {
        "transfers": [
            {
                "id": str(uuid.uuid4()),
                "debit_account_id": accounts[i % 2].pk,
                "credit_account_id": accounts[(i + 1) % 2].pk,
                "amount": 100 + i,
                "code": "payment",
                **extra,
            }
            for i in range(n)
        ]
    }


@pytest.fixture
def pair(db):
    ledger = services.ledger_eur()  # the API writes only the EUR ledger
    return [AccountFactory(ledger=ledger), AccountFactory(ledger=ledger)]


def test_the_ledger_api_is_404_for_outsiders(api, alice, booked, nordic):
    api.force_authenticate(alice)
    for url in (ACCOUNTS, TRANSFERS, ENTITLEMENTS, statement_url(nordic)):
        assert api.get(url).status_code == 404, url
    assert api.post(TRANSFERS, {"transfers": []}, format="json").status_code == 404


def test_anonymous_is_refused(api, booked, nordic):
    for url in (ACCOUNTS, TRANSFERS, ENTITLEMENTS, statement_url(nordic)):
        assert api.get(url).status_code in (401, 403), url


def test_partner_contact_reads_only_their_own(api, paula, nordic, commission, booked):
    api.force_authenticate(paula)
    accounts = api.get(ACCOUNTS).json()["results"]
    assert accounts and {a["partner"] for a in accounts} == {nordic.pk}
    transfers = api.get(TRANSFERS).json()["results"]
    assert len(transfers) == 3  # pledge, payment, re-opened rest
    commission_account = Account.objects.get(partner=commission)
    assert api.get(f"{ACCOUNTS}{commission_account.pk}/").status_code == 404
    assert api.get(statement_url(commission)).status_code == 404
    statement = api.get(statement_url(nordic)).json()
    assert (statement["closing_posted"], statement["closing_pending"]) == (100 * MILLION, 200 * MILLION)
    entitlements = api.get(ENTITLEMENTS).json()
    assert [e["partner"]["id"] for e in entitlements] == [nordic.pk]


def test_partner_contact_cannot_write(api, paula, nordic, pair):
    api.force_authenticate(paula)
    response = api.post(TRANSFERS, batch_body(pair), format="json")
    assert response.status_code == 403
    assert not Transfer.objects.exists()


def test_finance_admin_reads_everything(api, dora, booked, nordic, commission):
    api.force_authenticate(dora)
    assert api.get(ACCOUNTS).json()["count"] == Account.objects.count()
    assert api.get(TRANSFERS).json()["count"] == 4
    shares = {e["partner"]["name"]: e["share_bp"] for e in api.get(ENTITLEMENTS).json()}
    assert shares == {"Digital Europe Programme": 3333, "Nordic Infrastructure Partners": 6667}
    assert api.get(statement_url(commission)).status_code == 200


def test_transfers_filter_by_account_code_and_date(api, dora, booked, nordic):
    api.force_authenticate(dora)
    assert api.get(TRANSFERS, {"code": "payment"}).json()["count"] == 1
    account = Account.objects.get(partner=nordic)
    assert api.get(TRANSFERS, {"account": account.pk}).json()["count"] == 3
    assert api.get(TRANSFERS, {"from": "2999-01-01"}).json()["count"] == 0
    assert api.get(TRANSFERS, {"to": "2000-01-01"}).json()["count"] == 0
    bad = api.get(TRANSFERS, {"from": "soon", "code": "nonsense", "account": "x"})
    assert bad.status_code == 400
    assert set(bad.json()) >= {"from", "code", "account"}
    assert api.get(TRANSFERS, {"from": "2025-02-01", "to": "2025-01-01"}).status_code == 400


def test_statement_dates_are_validated(api, dora, nordic):
    api.force_authenticate(dora)
    response = api.get(statement_url(nordic), {"from": "2025-13-01"})
    assert response.status_code == 400 and "from" in response.json()


def test_the_same_batch_sent_twice_moves_the_money_once(api, dora, pair):
    api.force_authenticate(dora)
    body = batch_body(pair, n=5)
    first = api.post(TRANSFERS, body, format="json")
    assert first.status_code == 200
    assert [r["result"] for r in first.json()["results"]] == ["ok"] * 5
    second = api.post(TRANSFERS, body, format="json")
    assert [r["result"] for r in second.json()["results"]] == ["exists"] * 5
    assert Transfer.objects.count() == 5
    pair[0].refresh_from_db()
    assert pair[0].debits_posted == 100 + 102 + 104
    assert Transfer.objects.filter(created_by=dora).count() == 5


def test_a_batch_with_one_bad_linked_transfer_creates_none_of_its_chain(api, dora, pair):
    api.force_authenticate(dora)
    body = batch_body(pair, n=4)
    for item in body["transfers"][:2]:
        item["linked"] = True  # the chain is transfers 0, 1 and 2 (the first without the flag ends it)
    body["transfers"][2]["debit_account_id"] = body["transfers"][2]["credit_account_id"]  # bad: same accounts
    response = api.post(TRANSFERS, body, format="json")
    assert response.status_code == 200
    assert [r["result"] for r in response.json()["results"]] == [
        "linked_event_failed",
        "linked_event_failed",
        "accounts_must_be_different",
        "ok",
    ]
    assert list(Transfer.objects.values_list("pk", flat=True)) == [uuid.UUID(body["transfers"][3]["id"])]


def test_pending_and_post_through_the_api(api, dora, pair):
    api.force_authenticate(dora)
    pending_id = str(uuid.uuid4())
    body = {
        "transfers": [
            {
                "id": pending_id,
                "debit_account_id": pair[0].pk,
                "credit_account_id": pair[1].pk,
                "amount": 50,
                "code": "pledge",
                "pending": True,
            },
            {"id": str(uuid.uuid4()), "code": "payment", "post_pending": True, "pending_id": pending_id, "amount": 20},
        ]
    }
    assert [r["result"] for r in api.post(TRANSFERS, body, format="json").json()["results"]] == ["ok", "ok"]
    pair[0].refresh_from_db()
    assert (pair[0].debits_pending, pair[0].debits_posted) == (0, 20)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"transfers": []},
        {"transfers": "nope"},
        {"transfers": [{"id": "not-a-uuid", "code": "payment", "amount": 1}]},
        {"transfers": [{"id": str(uuid.uuid4()), "code": "gift", "amount": 1}]},
        {"transfers": [{"id": str(uuid.uuid4()), "code": "payment", "amount": -1}]},
        {"transfers": [{"id": str(uuid.uuid4()), "code": "payment", "amount": 2**64}]},
        {"transfers": [{"id": str(uuid.uuid4()), "code": "payment", "debit_account_id": "x"}]},
        {"transfers": [{"id": str(uuid.uuid4()), "code": "payment", "user_data": "x" * 300}]},
    ],
)
def test_bad_batches_are_400_with_field_errors(api, dora, body):
    api.force_authenticate(dora)
    response = api.post(TRANSFERS, body, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and any(key.split(".")[0] == "transfers" for key in body), body
    assert not Transfer.objects.exists()


def test_a_batch_is_limited_to_8190_transfers(api, dora, pair):
    api.force_authenticate(dora)
    body = {"transfers": [{"id": str(uuid.uuid4()), "code": "payment", "amount": 1}] * 8191}
    assert api.post(TRANSFERS, body, format="json").status_code == 400


def test_list_query_budgets(api, dora, nordic, tranches, django_assert_max_num_queries):
    api.force_authenticate(dora)
    services.in_kind_record(partner=nordic, tranche=tranches["senior"], amount_cents=1, by=dora)
    for url in (ACCOUNTS, TRANSFERS, ENTITLEMENTS, statement_url(nordic)):
        with django_assert_max_num_queries(10):
            assert api.get(url).status_code == 200
    for n in range(30):
        partner = PartnerFactory(name=f"Investor {n}")
        tranches["senior"].eligible_partners.add(partner)
        services.in_kind_record(partner=partner, tranche=tranches["senior"], amount_cents=n + 1, by=dora)
        services.in_kind_record(partner=nordic, tranche=tranches["senior"], amount_cents=n + 1, by=dora)
    for url in (ACCOUNTS, TRANSFERS, ENTITLEMENTS, statement_url(nordic)):
        with django_assert_max_num_queries(10):
            assert api.get(url).status_code == 200
    assert len(api.get(ENTITLEMENTS).json()) == 32  # 30 investors, Nordic and the Digital Europe Programme


def test_schema_documents_the_ledger_endpoints(api):
    schema = api.get(reverse("schema"), {"format": "json"}).json()
    paths = set(schema["paths"])
    assert {
        "/api/v1/ledger/accounts/",
        "/api/v1/ledger/transfers/",
        "/api/v1/ledger/entitlements/",
        "/api/v1/ledger/partners/{id}/statement/",
    } <= paths


def test_transfers_name_their_ledger_by_code_as_accounts_do(api, dora, pair):
    api.force_authenticate(dora)
    code = api.get(f"{ACCOUNTS}{pair[0].pk}/").json()["ledger"]
    assert code == pair[0].ledger.code

    by_code = api.post(TRANSFERS, batch_body(pair, n=1, ledger=code), format="json")
    assert [r["result"] for r in by_code.json()["results"]] == ["ok"], by_code.json()
    by_id = api.post(TRANSFERS, batch_body(pair, n=1, ledger_id=pair[0].ledger_id), format="json")  # deprecated
    assert [r["result"] for r in by_id.json()["results"]] == ["ok"], by_id.json()
    assert {t["ledger"] for t in api.get(TRANSFERS, {"account": pair[0].pk}).json()["results"]} == {code}

    other = LedgerFactory()
    unknown = api.post(TRANSFERS, batch_body(pair, n=1, ledger="XXX"), format="json")
    assert unknown.status_code == 400 and "transfers.0.ledger" in unknown.json(), unknown.json()
    mismatch = api.post(TRANSFERS, batch_body(pair, n=1, ledger=code, ledger_id=other.pk), format="json")
    assert mismatch.status_code == 400 and "transfers.0.ledger_id" in mismatch.json(), mismatch.json()
    other_ledger = api.post(TRANSFERS, batch_body(pair, n=1, ledger=other.code), format="json")
    assert other_ledger.status_code == 403 and other_ledger.json()["code"] == "permission_denied"
    assert Transfer.objects.filter(debit_account__in=pair).count() == 2
