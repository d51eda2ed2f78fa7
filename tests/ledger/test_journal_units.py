"""The finance journal shows each amount in its ledger's unit, one ledger at a time (EUR by default), and offers
"Reverse" only where finance may reverse (the EUR ledger)."""

import uuid

from django.urls import reverse

from ledger import services
from ledger.engine import TransferSpec
from ledger.models import AccountCode, Ledger, LedgerUnit, OwnerKind, TransferCode
from tests.factories import AccountFactory, LedgerFactory

HOUR = 3600


def _gpu_grant(seconds: int):
    gpu = LedgerFactory(code=Ledger.GPU, name="GPU-seconds", unit=LedgerUnit.GPU_SECOND)
    pool = AccountFactory(ledger=gpu, code=AccountCode.POOL, owner_kind=OwnerKind.POOL, owner_ref="pool:1")
    grant = AccountFactory(ledger=gpu, code=AccountCode.GRANT, owner_kind=OwnerKind.GRANT, owner_ref="grant:1")
    spec = TransferSpec(
        id=uuid.uuid4(), debit_account_id=pool.pk, credit_account_id=grant.pk, amount=seconds, code=TransferCode.GRANT
    )
    results = services.transfers_create(transfers=[spec], by=None)
    assert results[0].result.value == "ok"
    return spec.id


def test_journal_defaults_to_euros_and_shows_gpu_time_in_gpu_hours(dora_client, dora, commission, tranches):
    entry = services.in_kind_record(partner=commission, tranche=tranches["junior"], amount_cents=54_000_00, by=dora)
    gpu_id = _gpu_grant(1_500 * HOUR)
    url = reverse("ledger:transfer_list")

    eur = dora_client.get(url)
    assert eur.status_code == 200
    assert [t.pk for t in eur.context["page"]] == [entry.pk]
    body = eur.content.decode()
    assert "€54,000" in body
    assert reverse("ledger:transfer_reverse", args=[entry.pk]) in body
    assert '<option value="EUR" selected>' in body

    gpu = dora_client.get(url, {"ledger": "GPU"})
    assert [t.pk for t in gpu.context["page"]] == [gpu_id]
    body = gpu.content.decode()
    assert "1,500 GPU-h" in body
    assert "€5,400,000" not in body and "€54,000" not in body
    assert reverse("ledger:transfer_reverse", args=[gpu_id]) not in body  # finance may not reverse GPU entries
    assert ">Reverse<" not in body


def test_unknown_ledger_is_a_form_error(dora_client):
    response = dora_client.get(reverse("ledger:transfer_list"), {"ledger": "XYZ"})
    assert response.status_code == 400
