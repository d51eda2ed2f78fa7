"""Hypothesis stateful test: random sequences of single, pending, post, void, linked-batch and retried transfers
(valid and invalid) against a plain-Python reference model of the accounting rules.

After every step: every result equals the model's, every account in the database equals the model's, debits equal
credits per ledger (pending and posted), and every account's counters equal a recompute from the journal.
"""

import copy
import uuid
from dataclasses import dataclass, field, replace

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ledger.engine import TransferSpec
from ledger.models import Account
from ledger.services import transfers_create
from tests.factories import AccountFactory, LedgerFactory

# --- The reference model: the rules written out as plainly as possible -------------------------------------------


@dataclass
class ModelAccount:
    ledger: int
    no_overdraft: bool = False  # debits must not exceed credits
    no_overcredit: bool = False  # credits must not exceed debits
    dp: int = 0
    dpo: int = 0
    cp: int = 0
    cpo: int = 0


@dataclass
class ModelLedger:
    accounts: dict[int, ModelAccount]
    transfers: dict[uuid.UUID, TransferSpec] = field(default_factory=dict)  # as stored (resolved)
    closed: dict[uuid.UUID, str] = field(default_factory=dict)  # pending id -> "posted" / "voided"

    def _one(self, t: TransferSpec) -> str:
        if t.id in self.transfers:
            s = self.transfers[t.id]
            same = (
                (t.pending, t.post_pending, t.void_pending, t.linked, t.pending_id, t.code)
                == (s.pending, s.post_pending, s.void_pending, s.linked, s.pending_id, s.code)
                and (t.amount == s.amount or (t.pending_id is not None and t.amount == 0))
                and (
                    t.debit_account_id in (s.debit_account_id, None)
                    if t.pending_id
                    else t.debit_account_id == s.debit_account_id
                )
                and (
                    t.credit_account_id in (s.credit_account_id, None)
                    if t.pending_id
                    else t.credit_account_id == s.credit_account_id
                )
            )
            return "exists" if same else "exists_with_different_fields"
        if t.post_pending or t.void_pending:
            p = self.transfers.get(t.pending_id)
            if p is None:
                return "pending_transfer_not_found"
            if not p.pending:
                return "pending_transfer_not_pending"
            if t.pending_id in self.closed:
                return f"pending_transfer_already_{self.closed[t.pending_id]}"
            amount = t.amount or p.amount
            if t.post_pending and amount > p.amount:
                return "exceeds_pending_amount"
            if t.void_pending and t.amount and t.amount != p.amount:
                return "pending_transfer_has_different_amount"
            debit, credit = self.accounts[p.debit_account_id], self.accounts[p.credit_account_id]
            debit.dp -= p.amount
            credit.cp -= p.amount
            if t.post_pending:
                debit.dpo += amount
                credit.cpo += amount
            else:
                amount = p.amount
            self.closed[t.pending_id] = "posted" if t.post_pending else "voided"
            self.transfers[t.id] = replace(
                t, amount=amount, debit_account_id=p.debit_account_id, credit_account_id=p.credit_account_id
            )
            return "ok"
        if t.amount <= 0:
            return "amount_must_be_positive"
        if t.debit_account_id == t.credit_account_id:
            return "accounts_must_be_different"
        debit, credit = self.accounts[t.debit_account_id], self.accounts[t.credit_account_id]
        if debit.ledger != credit.ledger:
            return "ledger_mismatch"
        if debit.no_overdraft and debit.dp + debit.dpo + t.amount > debit.cpo:
            return "exceeds_credits"
        if credit.no_overcredit and credit.cp + credit.cpo + t.amount > credit.dpo:
            return "exceeds_debits"
        if t.pending:
            debit.dp += t.amount
            credit.cp += t.amount
        else:
            debit.dpo += t.amount
            credit.cpo += t.amount
        self.transfers[t.id] = t
        return "ok"

    def apply(self, batch: list[TransferSpec]) -> list[str]:
        results: list[str] = []
        chain: list[TransferSpec] = []
        for index, t in enumerate(batch):
            chain.append(t)
            if t.linked and index < len(batch) - 1:
                continue
            saved = copy.deepcopy((self.accounts, self.transfers, self.closed))
            chain_results = []
            for member in chain:
                chain_results.append(self._one(member))
                if chain_results[-1] not in ("ok", "exists"):
                    break
            failed = chain_results[-1] not in ("ok", "exists")
            if not failed and chain[-1].linked:
                chain_results[-1], failed = "linked_event_chain_open", True
            if failed:
                self.accounts, self.transfers, self.closed = saved
                error, bad = chain_results[-1], len(chain_results) - 1
                chain_results = ["linked_event_failed"] * len(chain)
                chain_results[bad] = error
            results.extend(chain_results)
            chain = []
        return results


# --- The machine -------------------------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        ledger, other = LedgerFactory(), LedgerFactory()
        plain = AccountFactory(ledger=ledger)
        vault = AccountFactory(ledger=ledger, debits_must_not_exceed_credits=True)
        capped = AccountFactory(ledger=ledger, credits_must_not_exceed_debits=True)
        spare = AccountFactory(ledger=ledger)
        foreign = AccountFactory(ledger=other)
        self.ledger_ids = [ledger.pk, other.pk]
        self.account_ids = [plain.pk, vault.pk, capped.pk, spare.pk, foreign.pk]
        self.model = ModelLedger(
            accounts={
                plain.pk: ModelAccount(ledger.pk),
                vault.pk: ModelAccount(ledger.pk, no_overdraft=True),
                capped.pk: ModelAccount(ledger.pk, no_overcredit=True),
                spare.pk: ModelAccount(ledger.pk),
                foreign.pk: ModelAccount(other.pk),
            }
        )
        self.sent: list[TransferSpec] = []

    # strategies drawing on the machine's state; mostly valid transfers, with a steady share of invalid ones
    def _move(self, data, *, pending: bool) -> TransferSpec:
        local = self.account_ids[:4]
        debit = data.draw(st.sampled_from(local))
        odd = data.draw(st.integers(min_value=0, max_value=9))
        if odd == 0:
            credit = debit  # accounts_must_be_different
        elif odd == 1:
            credit = self.account_ids[4]  # another ledger
        else:
            credit = data.draw(st.sampled_from([a for a in local if a != debit]))
        amount = 0 if data.draw(st.integers(min_value=0, max_value=14)) == 0 else data.draw(st.integers(1, 100))
        return TransferSpec(
            id=uuid.uuid4(),
            debit_account_id=debit,
            credit_account_id=credit,
            amount=amount,
            code="pledge" if pending else "payment",
            pending=pending,
        )

    def _resolve(self, data, *, post: bool) -> TransferSpec:
        pendings = [t for t in self.sent if t.pending]
        if pendings and data.draw(st.integers(min_value=0, max_value=9)) > 0:
            target = data.draw(st.sampled_from(pendings))
            pending_id, full = target.id, target.amount
        else:
            pending_id, full = uuid.uuid4(), 1  # not found (or an id that is not pending, below)
            if self.sent and data.draw(st.booleans()):
                pending_id = data.draw(st.sampled_from(self.sent)).id
        if post:
            amount = data.draw(st.sampled_from([0, full, max(full - 1, 1), full + 1]))
        else:
            amount = data.draw(st.sampled_from([0, 0, full, full + 1]))
        return TransferSpec(
            id=uuid.uuid4(),
            amount=amount,
            code="payment" if post else "pledge",
            post_pending=post,
            void_pending=not post,
            pending_id=pending_id,
        )

    def _any(self, data) -> TransferSpec:
        kind = data.draw(st.sampled_from(["posted", "pending", "post", "void"]))
        if kind in ("posted", "pending"):
            return self._move(data, pending=kind == "pending")
        return self._resolve(data, post=kind == "post")

    def _send(self, batch: list[TransferSpec]) -> None:
        got = [r.result.value for r in transfers_create(transfers=batch, by=None)]
        expected = self.model.apply(batch)
        assert got == expected, (batch, got, expected)
        self.sent.extend(t for t, r in zip(batch, got, strict=True) if r == "ok")

    @rule(data=st.data())
    def single(self, data):
        self._send([self._move(data, pending=False)])

    @rule(data=st.data())
    def pending(self, data):
        self._send([self._move(data, pending=True)])

    @rule(data=st.data())
    def post(self, data):
        self._send([self._resolve(data, post=True)])

    @rule(data=st.data())
    def void(self, data):
        self._send([self._resolve(data, post=False)])

    @rule(data=st.data(), size=st.integers(min_value=2, max_value=4), open_chain=st.booleans())
    def linked_batch(self, data, size, open_chain):
        batch = [replace(self._any(data), linked=True) for _ in range(size)]
        if not open_chain or data.draw(st.integers(0, 4)) > 0:
            batch[-1] = replace(batch[-1], linked=False)
        batch.append(self._any(data))  # an independent transfer after the chain
        self._send(batch)

    @rule(data=st.data(), change=st.booleans())
    def retry(self, data, change):
        if not self.sent:
            return
        original = data.draw(st.sampled_from(self.sent))
        self._send([replace(original, amount=original.amount + 1) if change else original])

    @invariant()
    def database_equals_model(self):
        rows = Account.objects.filter(pk__in=self.account_ids).values_list(
            "pk", "debits_pending", "debits_posted", "credits_pending", "credits_posted"
        )
        for pk, dp, dpo, cp, cpo in rows:
            m = self.model.accounts[pk]
            assert (dp, dpo, cp, cpo) == (m.dp, m.dpo, m.cp, m.cpo), pk

    @invariant()
    def debits_equal_credits_per_ledger(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ledger_id, sum(debits_pending) - sum(credits_pending), sum(debits_posted) - sum(credits_posted)"
                " FROM ledger_account WHERE ledger_id = ANY(%s) GROUP BY ledger_id",
                [self.ledger_ids],
            )
            for ledger_id, pending_gap, posted_gap in cursor.fetchall():
                assert (pending_gap, posted_gap) == (0, 0), ledger_id

    @invariant()
    def counters_equal_a_recompute_from_the_journal(self):
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH open_pending AS (
                    SELECT t.* FROM ledger_transfer t
                    WHERE t.pending AND NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.id)
                ), posted AS (
                    SELECT * FROM ledger_transfer WHERE NOT pending AND NOT void_pending
                )
                SELECT a.id,
                    a.debits_pending
                        = coalesce((SELECT sum(amount) FROM open_pending WHERE debit_account_id = a.id), 0),
                    a.credits_pending
                        = coalesce((SELECT sum(amount) FROM open_pending WHERE credit_account_id = a.id), 0),
                    a.debits_posted = coalesce((SELECT sum(amount) FROM posted WHERE debit_account_id = a.id), 0),
                    a.credits_posted = coalesce((SELECT sum(amount) FROM posted WHERE credit_account_id = a.id), 0)
                FROM ledger_account a WHERE a.id = ANY(%s)
                """,
                [self.account_ids],
            )
            for account_id, *matches in cursor.fetchall():
                assert all(matches), (account_id, matches)


@pytest.mark.django_db
def test_ledger_matches_the_reference_model():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
