"""The finance admin's home: pledges and guarantees still open, each linking to where a payment is recorded."""

import pytest

from ledger.models import Fund, Partner, PartnerKind, Tranche, TrancheKind
from ledger.services import pending_post, pledge_record
from tests.conftest import login_staff


@pytest.mark.django_db
def test_finance_admin_sees_open_pledges_and_not_the_paid_ones(client, dora, alice):
    fund = Fund.objects.create(name="Fund", size_cents=10**12)
    tranche = Tranche.objects.create(
        fund=fund, kind=TrancheKind.SENIOR, name="Senior", target_cents=10**11, expected_return_bp=300, risk_rank=1
    )
    partner = Partner.objects.create(name="Germany: Federal budget", kind=PartnerKind.MEMBER_STATE_BUDGET)
    tranche.eligible_partners.add(partner)
    open_pledge = pledge_record(
        partner=partner, tranche=tranche, amount_cents=250_000_000_00, reference="BMDS 2025-114", by=dora
    )
    paid = pledge_record(partner=partner, tranche=tranche, amount_cents=1_000_00, reference="Paid in full", by=dora)
    pending_post(pending=paid, by=dora)

    login_staff(client, dora)
    page = client.get("/").content.decode()
    assert "Pledges and guarantees still open" in page
    assert "Germany: Federal budget · BMDS 2025-114" in page
    assert f"/staff/ledger/open/{open_pledge.pk}/post/" in page
    assert "250,000,000" in page
    assert "Paid in full" not in page

    client.logout()
    client.force_login(alice)
    assert "Pledges and guarantees still open" not in client.get("/").content.decode()
