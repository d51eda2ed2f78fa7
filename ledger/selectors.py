"""Reads of the partner-contribution ledger: who may see what, statements, the fund overview and entitlements.

Finance admins see everything; a partner's contact users see that partner's accounts and statement; everybody
else sees nothing (views and the API answer 404).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from ledger.models import Account, AccountCode, Fund, Ledger, Partner, Transfer, TransferCode
from ledger.shares import shares_in_basis_points


def is_finance_admin(user: User) -> bool:
    return has_role(user, PlatformRole.FINANCE_ADMIN)


def is_partner_contact(user: User) -> bool:
    return user.is_authenticated and Partner.objects.filter(contact_users=user).exists()


def partners_for_user(*, user: User) -> QuerySet[Partner]:
    """Every partner for finance admins; the partners ``user`` is a contact of otherwise."""
    if is_finance_admin(user):
        return Partner.objects.all()
    if not user.is_authenticated:
        return Partner.objects.none()
    return Partner.objects.filter(contact_users=user)


def partner_for_reader(*, user: User, pk: int) -> Partner:
    """The partner if ``user`` may read its statement; ``Partner.DoesNotExist`` otherwise."""
    return partners_for_user(user=user).get(pk=pk)


def accounts_for_user(*, user: User) -> QuerySet[Account]:
    accounts = Account.objects.select_related("ledger", "partner", "tranche").order_by("ledger_id", "id")
    if is_finance_admin(user):
        return accounts
    return accounts.filter(partner__in=partners_for_user(user=user))


def transfers_for_user(
    *,
    user: User,
    ledger: str | None = None,
    account: int | None = None,
    code: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Transfer]:
    """The journal as ``user`` may see it (partners: transfers touching their accounts), newest first."""
    transfers = Transfer.objects.select_related("ledger", "debit_account", "credit_account", "created_by").order_by(
        "-seq"
    )
    if not is_finance_admin(user):
        mine = accounts_for_user(user=user).values("pk")
        transfers = transfers.filter(Q(debit_account__in=mine) | Q(credit_account__in=mine))
    if ledger:
        transfers = transfers.filter(ledger__code=ledger)
    if account:
        transfers = transfers.filter(Q(debit_account_id=account) | Q(credit_account_id=account))
    if code:
        transfers = transfers.filter(code=code)
    if date_from:
        transfers = transfers.filter(created_at__gte=day_start(date_from))
    if date_to:
        transfers = transfers.filter(created_at__lt=day_start(date_to + datetime.timedelta(days=1)))
    return transfers


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _resolutions():
    return Transfer.objects.filter(pending_id=OuterRef("pk"))


def open_pending_transfers(*, codes: tuple[str, ...] = (TransferCode.PLEDGE, TransferCode.GUARANTEE)):
    """Pledges and guarantees not yet posted, voided or expired-and-voided, oldest first."""
    return (
        Transfer.objects.filter(pending=True, code__in=codes)
        .exclude(Exists(_resolutions()))
        .select_related("debit_account__partner", "credit_account__tranche")
        .order_by("seq")
    )


def open_pending_for_action(*, pk) -> Transfer:
    """An open pledge or guarantee (``Transfer.DoesNotExist`` otherwise)."""
    return open_pending_transfers().get(pk=pk)


# --- Partner statement --------------------------------------------------------------------------------------------


@dataclass
class StatementLine:
    transfer: Transfer
    account: Account
    posted: int  # change of the posted balance (positive: contributed)
    pending: int  # change of the open (pending) balance
    balance: int  # posted balance after this line


@dataclass
class Statement:
    partner: Partner
    date_from: datetime.date
    date_to: datetime.date
    opening_posted: int
    opening_pending: int
    lines: list[StatementLine] = field(default_factory=list)
    closing_posted: int = 0
    closing_pending: int = 0


def _opening(account_ids: list[int], before: datetime.datetime) -> tuple[int, int]:
    """Posted and pending balance (debits minus credits) of ``account_ids`` just before ``before``."""
    earlier = Transfer.objects.filter(created_at__lt=before)
    posted = earlier.filter(pending=False, void_pending=False)
    sums = posted.aggregate(
        debit=Sum("amount", filter=Q(debit_account_id__in=account_ids)),
        credit=Sum("amount", filter=Q(credit_account_id__in=account_ids)),
    )
    still_open = earlier.filter(pending=True).exclude(
        Exists(Transfer.objects.filter(pending_id=OuterRef("pk"), created_at__lt=before))
    )
    pending = still_open.aggregate(
        debit=Sum("amount", filter=Q(debit_account_id__in=account_ids)),
        credit=Sum("amount", filter=Q(credit_account_id__in=account_ids)),
    )
    return (
        (sums["debit"] or 0) - (sums["credit"] or 0),
        (pending["debit"] or 0) - (pending["credit"] or 0),
    )


def partner_statement(*, partner: Partner, date_from: datetime.date, date_to: datetime.date) -> Statement:
    """Opening balance, every movement and closing balance of ``partner`` between two dates (inclusive).

    Balances are the partner's contributions: posted (paid, called, in kind, net of reversals) and pending (open
    pledges and guarantees). Four queries whatever the number of movements.
    """
    accounts = {a.pk: a for a in Account.objects.filter(partner=partner, ledger__code=Ledger.EUR)}
    ids = list(accounts)
    start, end = day_start(date_from), day_start(date_to + datetime.timedelta(days=1))
    opening_posted, opening_pending = _opening(ids, start) if ids else (0, 0)
    statement = Statement(partner, date_from, date_to, opening_posted, opening_pending)
    movements = (
        Transfer.objects.filter(Q(debit_account_id__in=ids) | Q(credit_account_id__in=ids))
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(original_amount=Subquery(Transfer.objects.filter(pk=OuterRef("pending_id")).values("amount")[:1]))
        .select_related("created_by")
        .order_by("seq")
    )
    posted_balance, pending_balance = opening_posted, opening_pending
    for transfer in movements:
        sign = 1 if transfer.debit_account_id in accounts else -1
        account = accounts[transfer.debit_account_id if sign == 1 else transfer.credit_account_id]
        posted = pending = 0
        if transfer.pending:
            pending = sign * transfer.amount
        elif transfer.void_pending:
            pending = -sign * transfer.amount
        elif transfer.post_pending:
            pending = -sign * (transfer.original_amount or 0)
            posted = sign * transfer.amount
        else:
            posted = sign * transfer.amount
        posted_balance += posted
        pending_balance += pending
        statement.lines.append(StatementLine(transfer, account, posted, pending, posted_balance))
    statement.closing_posted, statement.closing_pending = posted_balance, pending_balance
    return statement


# --- Fund overview and entitlements ----------------------------------------------------------------------------


@dataclass
class TrancheFigures:
    tranche: object
    target: int = 0
    paid: int = 0
    open_pledges: int = 0
    guaranteed: int = 0
    called: int = 0
    in_kind: int = 0

    @property
    def pledged(self) -> int:
        """Paid plus still open: everything committed in cash."""
        return self.paid + self.open_pledges

    @property
    def paid_percent_of_target(self) -> int:
        return self.paid * 100 // self.target if self.target else 0


def fund_overview(*, fund: Fund) -> list[TrancheFigures]:
    """Per tranche: target, pledged, paid, guaranteed (open + called) and in kind, in euro cents. Two queries."""
    tranches = list(fund.tranches.order_by("risk_rank"))
    figures = {t.pk: TrancheFigures(tranche=t, target=t.target_cents) for t in tranches}
    for account in Account.objects.filter(tranche__in=tranches, ledger__code=Ledger.EUR):
        row = figures[account.tranche_id]
        net = account.credits_posted - account.debits_posted
        if account.code == AccountCode.TRANCHE_CAPITAL:
            row.paid += net
            row.open_pledges += account.credits_pending
        elif account.code == AccountCode.TRANCHE_GUARANTEE:
            row.called += net
            row.guaranteed += account.credits_pending + net
        elif account.code == AccountCode.TRANCHE_IN_KIND:
            row.in_kind += net
    return [figures[t.pk] for t in tranches]


@dataclass
class Entitlement:
    partner: Partner
    paid_in: int
    share_bp: int


def entitlements(*, partners: QuerySet[Partner] | None = None) -> list[Entitlement]:
    """Each partner's share of all paid-in (posted) contributions in basis points; shares sum to exactly 10,000.

    Paid-in = posted debits minus posted credits on the partner's EUR accounts (cash paid, guarantees called,
    contributions in kind, net of reversals). ``partners`` restricts the rows returned, not the total. Two queries.
    """
    totals = dict(
        Account.objects.filter(owner_kind="partner", ledger__code=Ledger.EUR)
        .values_list("partner_id")
        .annotate(paid=Sum("debits_posted") - Sum("credits_posted"))
        .values_list("partner_id", "paid")
    )
    all_partners = list(Partner.objects.order_by("name"))
    shares = shares_in_basis_points({p.pk: max(totals.get(p.pk, 0), 0) for p in all_partners})
    visible = None if partners is None else set(partners.values_list("pk", flat=True))
    return [
        Entitlement(partner=p, paid_in=totals.get(p.pk, 0), share_bp=shares[p.pk])
        for p in all_partners
        if visible is None or p.pk in visible
    ]


def current_fund() -> Fund | None:
    return Fund.objects.order_by("pk").first()
