"""The demo seed (idempotent, realistic) and the benchmark entry point."""

import io

import pytest

from accounts.models import User
from ledger import bench, demo, selectors
from ledger.models import Partner, PartnerKind, Transfer
from tests.factories import UserFactory


def test_seed_is_idempotent_and_covers_every_kind_of_partner_and_entry(db):
    out = io.StringIO()
    demo.seed(out)
    counts = (Partner.objects.count(), Transfer.objects.count())
    demo.seed(out)
    assert (Partner.objects.count(), Transfer.objects.count()) == counts
    assert "0 new transfers" in out.getvalue()
    assert demo.PARTNER_CONTACT_PASSWORD in out.getvalue()
    assert set(Partner.objects.values_list("kind", flat=True)) == set(PartnerKind.values)
    codes = set(Transfer.objects.values_list("code", flat=True))
    assert {"pledge", "payment", "guarantee", "in_kind", "reversal"} <= codes
    assert Transfer.objects.filter(void_pending=True).exists()
    fund = selectors.current_fund()
    assert fund.size_cents == 20 * 10**9 * 100
    assert sum(t.target_cents for t in fund.tranches.all()) == fund.size_cents
    figures = selectors.fund_overview(fund=fund)
    assert all(0 < row.pledged <= row.target for row in figures)
    assert sum(e.share_bp for e in selectors.entitlements()) == 10_000
    paula = User.objects.get(email=demo.PARTNER_CONTACT_EMAIL)
    assert paula.check_password(demo.PARTNER_CONTACT_PASSWORD)
    assert list(selectors.partners_for_user(user=paula).values_list("name", flat=True)) == [
        "Nordic Infrastructure Partners"
    ]


def test_seed_records_entries_under_dora_when_she_exists(db):
    dora = UserFactory(email=demo.FINANCE_ADMIN_EMAIL)
    demo.seed(io.StringIO())
    assert Transfer.objects.exclude(created_by=dora).count() == 0
    assert selectors.is_finance_admin(dora)


@pytest.mark.django_db(transaction=True)
def test_bench_run_reports_both_measurements(monkeypatch):
    monkeypatch.setenv("LEDGER_BENCH_BATCHES", "2")
    results = bench.run()
    assert [sorted(r) for r in results] == [["name", "note", "unit", "value"]] * 2
    assert all(r["unit"] == "transfers/s" and r["value"] > 0 for r in results)
    assert Transfer.objects.count() == 3 * 1000 + 8 * 2 * 1000  # warm-up + 2 batches, then 8 threads x 2
