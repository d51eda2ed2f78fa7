"""Business flows of finance admins: pledge, payment (full and partial), withdrawal, guarantee, in kind, reversal;
and the read side built on them: statement, fund overview, entitlements."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ledger import selectors, services
from ledger.models import AccountCode, Transfer
from tests.ledger.conftest import MILLION


def paid_in(partner) -> int:
    return next(e.paid_in for e in selectors.entitlements() if e.partner == partner)


def test_pledge_payment_in_two_instalments(dora, nordic, tranches):
    pledge = services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=300 * MILLION, by=dora)
    assert pledge.pending and pledge.code == "pledge"
    first = services.pending_post(pending=pledge, amount_cents=100 * MILLION, reference="instalment 1", by=dora)
    assert first.post_pending and first.amount == 100 * MILLION and first.code == "payment"
    # the rest stays open as a new pledge
    (rest,) = selectors.open_pending_transfers()
    assert rest.amount == 200 * MILLION and rest.code == "pledge"
    services.pending_post(pending=rest, by=dora)
    assert not selectors.open_pending_transfers().exists()
    (senior, *_others) = selectors.fund_overview(fund=tranches["senior"].fund)
    assert (senior.paid, senior.open_pledges, senior.pledged) == (300 * MILLION, 0, 300 * MILLION)
    assert paid_in(nordic) == 300 * MILLION


def test_a_payment_cannot_exceed_the_open_pledge(dora, nordic, tranches):
    pledge = services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=5 * MILLION, by=dora)
    with pytest.raises(ValidationError) as error:
        services.pending_post(pending=pledge, amount_cents=6 * MILLION, by=dora)
    assert "exceeds the open amount" in str(error.value)
    assert Transfer.objects.count() == 1


def test_withdrawn_pledge_releases_and_cannot_be_paid(dora, nordic, tranches):
    pledge = services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=5 * MILLION, by=dora)
    services.pending_void(pending=pledge, reference="cancelled", by=dora)
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.pending_post(pending=pledge, by=dora)
    (senior, *_others) = selectors.fund_overview(fund=tranches["senior"].fund)
    assert (senior.pledged, senior.paid) == (0, 0)


def test_a_partner_may_only_enter_its_tranches(dora, nordic, tranches):
    with pytest.raises(ValidationError, match="may not enter"):
        services.pledge_record(partner=nordic, tranche=tranches["junior"], amount_cents=1, by=dora)
    with pytest.raises(ValidationError):
        services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=0, by=dora)


def test_only_finance_admins_record(carol, paula, nordic, tranches):
    for user in (carol, paula):
        with pytest.raises(PermissionDenied):
            services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=1, by=user)
    assert not Transfer.objects.exists()


def test_eu_guarantee_is_contingent_until_called(dora, commission, tranches):
    guarantee = services.guarantee_record(
        partner=commission, tranche=tranches["mezzanine"], amount_cents=1000 * MILLION, by=dora
    )
    _senior, mezzanine, _junior = selectors.fund_overview(fund=tranches["senior"].fund)
    assert (mezzanine.guaranteed, mezzanine.called, mezzanine.paid) == (1000 * MILLION, 0, 0)
    assert paid_in(commission) == 0  # a guarantee is not paid in until it is called
    services.pending_post(pending=guarantee, amount_cents=250 * MILLION, by=dora)
    _senior, mezzanine, _junior = selectors.fund_overview(fund=tranches["senior"].fund)
    assert (mezzanine.guaranteed, mezzanine.called) == (1000 * MILLION, 250 * MILLION)
    assert paid_in(commission) == 250 * MILLION


def test_in_kind_contribution_and_its_reversal(dora, commission, tranches):
    entry = services.in_kind_record(
        partner=commission, tranche=tranches["junior"], amount_cents=35 * MILLION, reference="site", by=dora
    )
    assert paid_in(commission) == 35 * MILLION
    reversal = services.transfer_reverse(transfer=entry, reason="valued twice", by=dora)
    assert (reversal.debit_account_id, reversal.credit_account_id) == (entry.credit_account_id, entry.debit_account_id)
    assert paid_in(commission) == 0
    # reversing again is a retry of the same reversal, or refused with another reason: nothing moves twice
    assert services.transfer_reverse(transfer=entry, reason="valued twice", by=dora) == reversal
    with pytest.raises(ValidationError, match="already reversed"):
        services.transfer_reverse(transfer=entry, reason="another reason", by=dora)
    assert paid_in(commission) == 0
    with pytest.raises(ValidationError):
        services.transfer_reverse(transfer=entry, reason=" ", by=dora)


def test_pending_entries_are_withdrawn_not_reversed(dora, nordic, tranches):
    pledge = services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=5, by=dora)
    with pytest.raises(ValidationError, match="Only posted entries"):
        services.transfer_reverse(transfer=pledge, reason="wrong", by=dora)


def test_double_submit_with_the_same_id_records_once(dora, nordic, tranches):
    transfer_id = uuid.uuid4()
    for _ in range(2):
        services.pledge_record(
            partner=nordic, tranche=tranches["senior"], amount_cents=7, transfer_id=transfer_id, by=dora
        )
    assert Transfer.objects.count() == 1


def test_statement_opening_movements_closing(dora, nordic, tranches):
    pledge = services.pledge_record(partner=nordic, tranche=tranches["senior"], amount_cents=1000, by=dora)
    services.pending_post(pending=pledge, amount_cents=400, by=dora)
    services.in_kind_record(partner=nordic, tranche=tranches["senior"], amount_cents=50, by=dora)
    today = timezone.localdate()
    statement = selectors.partner_statement(partner=nordic, date_from=today, date_to=today)
    assert (statement.opening_posted, statement.opening_pending) == (0, 0)
    assert [(line.transfer.code, line.pending, line.posted, line.balance) for line in statement.lines] == [
        ("pledge", 1000, 0, 0),
        ("payment", -1000, 400, 400),
        ("pledge", 600, 0, 400),
        ("in_kind", 0, 50, 450),
    ]
    assert (statement.closing_posted, statement.closing_pending) == (450, 600)
    tomorrow = today + datetime.timedelta(days=1)
    later = selectors.partner_statement(partner=nordic, date_from=tomorrow, date_to=tomorrow)
    assert (later.opening_posted, later.opening_pending, later.lines) == (450, 600, [])
    assert (later.closing_posted, later.closing_pending) == (450, 600)


def test_entitlements_sum_to_ten_thousand_basis_points(dora, nordic, commission, tranches):
    services.in_kind_record(partner=commission, tranche=tranches["junior"], amount_cents=1, by=dora)
    services.in_kind_record(partner=nordic, tranche=tranches["senior"], amount_cents=2, by=dora)
    shares = {e.partner.name: e.share_bp for e in selectors.entitlements()}
    assert shares == {"Digital Europe Programme": 3333, "Nordic Infrastructure Partners": 6667}


def test_partner_accounts_are_opened_once_with_the_right_flags(nordic, tranches):
    first = services.partner_account(partner=nordic, code=AccountCode.PARTNER_COMMITMENT)
    assert services.partner_account(partner=nordic, code=AccountCode.PARTNER_COMMITMENT) == first
    assert first.credits_must_not_exceed_debits and not first.debits_must_not_exceed_credits
    tranche_account = services.tranche_account(tranche=tranches["senior"], code=AccountCode.TRANCHE_CAPITAL)
    assert tranche_account.debits_must_not_exceed_credits
