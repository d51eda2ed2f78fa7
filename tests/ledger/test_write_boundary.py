"""The raw transfers API writes only the EUR ledger with the finance flows' codes; the GPU-seconds ledger belongs to
the capacity, allocation and usage services. Every role x ledger x code is walked."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import PlatformRole
from ledger import services
from ledger.boundary import FINANCE_CODES
from ledger.models import Account, AccountCode, Ledger, LedgerUnit, OwnerKind, Transfer, TransferCode
from tests.conftest import login_staff
from tests.factories import AccountFactory, LedgerFactory, UserFactory

TRANSFERS = "/api/v1/ledger/transfers/"
ROLES = ["anonymous", "applicant", "reviewer", "call manager", "allocation admin", "partner", "finance", "superuser"]
WRITERS = {"finance", "superuser"}


@pytest.fixture
def ledgers(db):
    return {
        "EUR": services.ledger_eur(),
        "GPU": LedgerFactory(code=Ledger.GPU, name="GPU-seconds", unit=LedgerUnit.GPU_SECOND),
    }


@pytest.fixture
def accounts(ledgers):
    """On each ledger a source and a target: on the GPU ledger a pool and a grant, as the finding used them."""
    gpu = ledgers["GPU"]
    return {
        "EUR": (AccountFactory(ledger=ledgers["EUR"]), AccountFactory(ledger=ledgers["EUR"])),
        "GPU": (
            AccountFactory(ledger=gpu, code=AccountCode.POOL, owner_kind=OwnerKind.POOL, owner_ref="pool:1"),
            AccountFactory(ledger=gpu, code=AccountCode.GRANT, owner_kind=OwnerKind.GRANT, owner_ref="grant:1"),
        ),
    }


@pytest.fixture
def users(alice, bob, dora, paula):
    return {
        "applicant": alice,
        "reviewer": bob,
        "call manager": UserFactory(roles=[PlatformRole.CALL_MANAGER]),
        "allocation admin": UserFactory(roles=[PlatformRole.ALLOCATION_ADMIN]),
        "partner": paula,
        "finance": dora,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }


def _client(users, role) -> APIClient:
    api = APIClient()
    if role != "anonymous":
        api.force_authenticate(users[role])
    return api


def _expected(role: str, ledger: str, code: str) -> int:
    if role == "anonymous":
        return 401
    if role in ("applicant", "reviewer", "call manager", "allocation admin"):
        return 404  # not a ledger reader: the ledger API does not exist for them
    if role == "partner":
        return 403
    return 200 if ledger == "EUR" and code in FINANCE_CODES else 403


def test_every_role_ledger_and_code(users, accounts, nordic):
    walked = 0
    for role in ROLES:
        api = _client(users, role)
        for ledger, (source, target) in accounts.items():
            for code in TransferCode.values:
                transfer = {
                    "id": str(uuid.uuid4()),
                    "debit_account_id": source.pk,
                    "credit_account_id": target.pk,
                    "amount": 360_000_000,
                    "code": code,
                }
                before = Transfer.objects.count()
                response = api.post(TRANSFERS, {"transfers": [transfer]}, format="json")
                expected = _expected(role, ledger, code)
                assert response.status_code == expected, (role, ledger, code, response.content)
                walked += 1
                if expected == 200:
                    assert response.json()["results"][0]["result"] == "ok"
                    assert Transfer.objects.filter(pk=transfer["id"], created_by=users[role]).exists()
                    continue
                assert Transfer.objects.count() == before, (role, ledger, code)
                if role in WRITERS:
                    reason = response.json()["detail"]
                    assert "Transfer 0" in reason
                    assert ("GPU" in reason) if ledger == "GPU" else (code in reason), reason
    assert walked == len(ROLES) * 2 * len(TransferCode.values)
    grant = accounts["GPU"][1]
    grant.refresh_from_db()
    assert (grant.credits_posted, grant.credits_pending) == (0, 0)


def test_a_finance_admin_cannot_credit_gpu_quota_to_a_grant(users, accounts):
    """The reported attack: a pool -> grant transfer on the GPU-seconds ledger, hidden behind a good first entry."""
    pool, grant = accounts["GPU"]
    eur = accounts["EUR"]
    api = _client(users, "finance")
    body = {
        "transfers": [
            {
                "id": str(uuid.uuid4()),
                "debit_account_id": eur[0].pk,
                "credit_account_id": eur[1].pk,
                "amount": 1,
                "code": "payment",
            },
            {
                "id": str(uuid.uuid4()),
                "debit_account_id": pool.pk,
                "credit_account_id": grant.pk,
                "amount": 100_000 * 3600,
                "code": "payment",
            },
        ]
    }
    response = api.post(TRANSFERS, body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Transfer 1:")
    assert not Transfer.objects.exists()  # the good first entry was not written either
    grant.refresh_from_db()
    assert grant.credits_posted == 0


def test_naming_the_gpu_ledger_or_a_gpu_pending_transfer_is_refused(users, accounts, ledgers):
    pool, grant = accounts["GPU"]
    pending = services.transfers_create(
        transfers=[
            {
                "id": uuid.uuid4(),
                "debit_account_id": pool.pk,
                "credit_account_id": grant.pk,
                "amount": 7,
                "code": "grant",
                "pending": True,
            }
        ],
        by=None,
    )[0]
    api = _client(users, "finance")
    post = {"id": str(uuid.uuid4()), "code": "payment", "post_pending": True, "pending_id": str(pending.id)}
    explicit = {
        "id": str(uuid.uuid4()),
        "debit_account_id": accounts["EUR"][0].pk,
        "credit_account_id": accounts["EUR"][1].pk,
        "ledger_id": ledgers["GPU"].pk,
        "amount": 1,
        "code": "payment",
    }
    for transfer in (post, explicit):
        response = api.post(TRANSFERS, {"transfers": [transfer]}, format="json")
        assert response.status_code == 403, transfer
        assert "GPU" in response.json()["detail"]
    assert Transfer.objects.count() == 1


def test_the_reverse_page_refuses_gpu_entries(client, users, accounts):
    pool, grant = accounts["GPU"]
    result = services.transfers_create(
        transfers=[
            {
                "id": uuid.uuid4(),
                "debit_account_id": pool.pk,
                "credit_account_id": grant.pk,
                "amount": 9,
                "code": "grant",
            }
        ],
        by=None,
    )[0]
    login_staff(client, users["finance"])
    url = reverse("ledger:transfer_reverse", args=[result.id])
    response = client.post(url, {"reason": "looks wrong", "confirm": "yes"})
    assert response.status_code == 403
    assert Transfer.objects.count() == 1
    assert Account.objects.get(pk=grant.pk).credits_posted == 9
