"""Capacity periods of a Gigafactory and their split into pools."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.capacity import selectors
from allocations.capacity.services._common import (
    _new_account,
    _operator_account,
    _post,
    _require_admin,
    _transfer_id,
    gpu_ledger,
)
from allocations.capacity.services.awards import commitments_grant
from allocations.capacity.split import period_capacity, quarter_bounds, split_pools
from allocations.models import AccessMode, Gigafactory
from allocations.models.capacity import CapacityPeriod, Pool, PoolKind
from ledger.engine import TransferSpec
from ledger.models import Account, AccountCode, OwnerKind, TransferCode
from ledger.shares import largest_remainder

# --- capacity periods and pools -----------------------------------------------------------------------------------


def period_create(
    *,
    gigafactory: Gigafactory,
    year: int,
    quarter: int,
    reserve_percent: int,
    accelerators: int | None = None,
    availability_percent: int | None = None,
    by: User,
) -> CapacityPeriod:
    """An allocation admin sets a Gigafactory's capacity for a quarter; its net capacity is posted from the
    Gigafactory's operator account to the period's capacity account. One period per Gigafactory and quarter."""
    _require_admin(by)
    accelerators = gigafactory.accelerator_count if accelerators is None else accelerators
    availability = gigafactory.availability_percent if availability_percent is None else availability_percent
    errors = {}
    if not 1 <= quarter <= 4:
        errors["quarter"] = _("Choose a quarter from 1 to 4.")
    if not 2024 <= year <= 2100:
        errors["year"] = _("Enter a year from 2024 to 2100.")
    if not 0 < availability <= 100:
        errors["availability_percent"] = _("Enter an availability above 0 and at most 100 %.")
    if not 0 <= reserve_percent < 100:
        errors["reserve_percent"] = _("Enter a reserve from 0 to 99 %.")
    if accelerators <= 0:
        errors["accelerators"] = _("Enter a number of accelerators above zero.")
    if errors:
        raise ValidationError(errors)
    start, end = quarter_bounds(year, quarter)
    capacity = period_capacity(
        accelerators=accelerators,
        start=start,
        end=end,
        availability_percent=availability,
        reserve_percent=reserve_percent,
    )
    with transaction.atomic():
        if CapacityPeriod.objects.filter(gigafactory=gigafactory, year=year, quarter=quarter).exists():
            raise ValidationError(
                {
                    "quarter": _("%(gf)s already has a capacity period for %(y)s Q%(q)s.")
                    % {"gf": gigafactory, "y": year, "q": quarter}
                }
            )
        ledger = gpu_ledger()
        source = _operator_account(gigafactory)
        account = _new_account(
            code=AccountCode.CAPACITY,
            owner_kind=OwnerKind.SYSTEM,
            owner_ref=f"capacity:{gigafactory.pk}:{year}Q{quarter}",
            name=f"{gigafactory.name} {year} Q{quarter}: capacity",
            ledger=ledger,
        )
        account.save()
        period = CapacityPeriod.objects.create(
            gigafactory=gigafactory,
            year=year,
            quarter=quarter,
            starts_on=start,
            ends_on=end,
            accelerators=accelerators,
            availability_percent=availability,
            reserve_percent=reserve_percent,
            gross_seconds=capacity.gross,
            reserve_seconds=capacity.reserve,
            capacity_seconds=capacity.net,
            account=account,
            created_by=by,
        )
        if capacity.net:
            _post(
                [
                    TransferSpec(
                        id=_transfer_id(f"capacity:{period.pk}"),
                        debit_account_id=source.pk,
                        credit_account_id=account.pk,
                        amount=capacity.net,
                        ledger_id=ledger.pk,
                        code=TransferCode.CAPACITY,
                        user_data=f"capacity period {period.pk}",
                    )
                ],
                by=by,
            )
    return period


def period_split(
    *,
    period_id: int,
    entitlements_on,
    by: User,
    mode_shares_bp: dict[int, int] | None = None,
    open_shares_bp: dict[int, int] | None = None,
    scale_commitments: bool = False,
) -> list[Pool]:
    """Split a period's capacity into pools, once. By the EuroHPC rules (``mode_shares_bp``, what the page does):
    the open-access pools together get the EU programmes' share of the contributions paid in by the end of
    ``entitlements_on``, at most 50 % of the capacity, divided between the access modes by ``mode_shares_bp``
    (basis points of the open-access share, summing to 100 %); the other partners share the rest by their paid-in
    contributions. With ``open_shares_bp`` instead, each access mode's pool gets the basis points of the capacity
    given (a Gigafactory outside those rules, benchmarks) and every partner shares the rest. Largest remainder, so
    the pools sum exactly to the capacity; one ledger transfer per pool from the capacity account, all in one
    linked chain. Pools of zero size are not created. Then the slices of awards already made are granted from
    their pools first (see ``commitments_grant``: refused when they do not fit, unless ``scale_commitments``), so a
    run of the period sees only what is left."""
    _require_admin(by)
    by_rules = mode_shares_bp is not None
    shares = {int(k): int(v) for k, v in (mode_shares_bp if by_rules else open_shares_bp or {}).items()}
    if any(v < 0 for v in shares.values()):
        raise ValidationError({"open_shares": _("Shares cannot be negative.")})
    if by_rules and sum(shares.values()) != 10_000:
        raise ValidationError(
            {"open_shares": _("Divide the open-access share between the access modes: 100 % in all.")}
        )
    if sum(shares.values()) > 10_000:
        raise ValidationError({"open_shares": _("The open-access shares add up to more than 100 %.")})
    if entitlements_on > timezone.localdate():
        raise ValidationError({"entitlements_on": _("Choose a date that is not in the future.")})
    modes = AccessMode.objects.in_bulk(list(shares))
    if len(modes) != len(shares):
        raise ValidationError({"open_shares": _("Unknown access mode.")})
    with transaction.atomic():
        period = CapacityPeriod.objects.select_for_update().get(pk=period_id)
        if period.is_split:
            raise ValidationError(_("The capacity of %(period)s is already split into pools.") % {"period": period})
        paid_in = selectors.paid_in_as_of(day=entitlements_on)
        if by_rules:
            rules = selectors.open_access_share_as_of(day=entitlements_on, paid_in=paid_in)
            if not rules.total_paid:
                raise ValidationError(
                    {"entitlements_on": _("No partner had paid in anything by that date: nothing to share by.")}
                )
            eu = selectors.eu_partner_ids()
            paid_in = {p: cents for p, cents in paid_in.items() if p not in eu}
            open_shares_bp = {m: bp for m, bp in largest_remainder(rules.open_bp, shares).items() if bp}
        else:
            open_shares_bp = shares
        try:
            open_parts, partner_parts = split_pools(period.capacity_seconds, open_shares_bp, paid_in)
        except ValueError:
            raise ValidationError(
                {"open_shares": _("No partner had paid in anything by that date: give the open-access pools 100 %.")}
                if not by_rules
                else {"entitlements_on": _("Only EU programmes had paid in by that date: no partner shares the rest.")}
            )
        total_paid = sum(paid_in.values())
        ledger = gpu_ledger()
        partners = selectors.partners_by_id(partner_parts)
        pools: list[Pool] = []
        for mode_id, size in open_parts.items():
            if size:
                pools.append(
                    Pool(
                        period=period,
                        kind=PoolKind.OPEN_ACCESS,
                        access_mode=modes[mode_id],
                        share_bp=open_shares_bp[mode_id],
                        size_seconds=size,
                    )
                )
        open_bp = sum(open_shares_bp.values())
        for partner_id, size in partner_parts.items():
            if size:
                share = (10_000 - open_bp) * paid_in[partner_id] // total_paid
                pools.append(
                    Pool(
                        period=period,
                        kind=PoolKind.PARTNER,
                        partner=partners[partner_id],
                        share_bp=share,
                        size_seconds=size,
                    )
                )
        accounts = [
            _new_account(
                code=AccountCode.POOL,
                owner_kind=OwnerKind.POOL,
                owner_ref=f"pool:{period.pk}:{pool.kind}:{pool.access_mode_id or pool.partner_id}",
                name=f"{period}: {pool.owner_name}",
                ledger=ledger,
            )
            for pool in pools
        ]
        Account.objects.bulk_create(accounts)
        for pool, account in zip(pools, accounts, strict=True):
            pool.account = account
        Pool.objects.bulk_create(pools)
        specs = [
            TransferSpec(
                id=_transfer_id(f"pool:{pool.pk}"),
                debit_account_id=period.account_id,
                credit_account_id=pool.account_id,
                amount=pool.size_seconds,
                ledger_id=ledger.pk,
                code=TransferCode.POOL,
                linked=index < len(pools) - 1,
                user_data=f"pool {pool.pk}",
            )
            for index, pool in enumerate(pools)
        ]
        _post(specs, by=by)
        period.entitlements_on = entitlements_on
        period.save(update_fields=["entitlements_on"])
        commitments_grant(period=period, scale=scale_commitments, by=by)
    return pools
