"""Usage in the GPU-second ledger: each changed day posted from the grant's account to its Gigafactory's
consumed account (step 3 of the pipeline)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from allocations.capacity.services import gpu_ledger
from allocations.models.capacity import Grant
from allocations.models.usage import UsageDaily
from allocations.usage.services._common import _transfer_id
from ledger.engine import Result, TransferSpec
from ledger.models import Account, AccountCode, OwnerKind, TransferCode
from ledger.services import MAX_BATCH, transfers_create
from portal.sql import table

# --- ledger ---------------------------------------------------------------------------------------------------------


def consumed_account(*, gigafactory_id: int) -> Account:
    """Where a Gigafactory's used GPU-seconds go: its credit balance is all the compute its grants consumed."""
    account, _created = Account.objects.get_or_create(
        ledger=gpu_ledger(),
        code=AccountCode.OPERATOR,
        partner=None,
        tranche=None,
        owner_ref=f"consumed:gigafactory:{gigafactory_id}",
        defaults={"owner_kind": OwnerKind.SYSTEM, "name": f"Gigafactory {gigafactory_id}: compute consumed"},
    )
    return account


def post_usage(*, grant_ids: Iterable[int]) -> int:
    """Mirror the daily summary of ``grant_ids`` into the GPU-second ledger, inside the caller's transaction.

    For each day whose usage differs from what was posted: a usage transfer (grant -> consumed) for an increase,
    capped at what the grant account still holds (it may not be overdrawn; the rest is overuse), or a reversal
    (consumed -> grant) for a decrease. Ids derive from (grant, day, posted before, posted after), so a replayed
    posting is a no-op in the ledger. Returns the number of transfers written.
    """
    grant_ids = sorted(set(grant_ids))
    if not grant_ids:
        return 0
    grants = Grant.objects.only("pk", "account_id", "gigafactory_id").in_bulk(grant_ids)
    locked = Account.objects.select_for_update().filter(pk__in=[g.account_id for g in grants.values()])
    accounts = {a.pk: a for a in locked.order_by("pk")}
    consumed_by_gf: dict[int, Account] = {}
    ledger_id = gpu_ledger().pk
    specs: list[TransferSpec] = []
    updates: list[tuple[int, int]] = []
    days = (
        UsageDaily.objects.filter(grant_id__in=grant_ids)
        .order_by("grant_id", "day")
        .values_list("pk", "grant_id", "day", "gpu_seconds", "posted_seconds")
    )
    by_grant: dict[int, list[tuple]] = {}
    for row in days:
        if row[3] != row[4]:
            by_grant.setdefault(row[1], []).append(row)
    for grant_id, rows in by_grant.items():
        grant = grants[grant_id]
        account = accounts[grant.account_id]
        target = consumed_by_gf.get(grant.gigafactory_id)
        if target is None:
            target = consumed_by_gf[grant.gigafactory_id] = consumed_account(gigafactory_id=grant.gigafactory_id)
        available = account.credits_posted - account.debits_posted - account.debits_pending
        # decreases first: they free hours for the increases
        for pk, _grant, day, used, posted in sorted(rows, key=lambda r: (r[3] >= r[4], r[2])):
            delta = used - posted
            if delta < 0:
                amount, debit, credit, code = -delta, target.pk, account.pk, TransferCode.REVERSAL
            else:
                amount = min(delta, max(available, 0))
                debit, credit, code = account.pk, target.pk, TransferCode.USAGE
            if amount <= 0:
                continue
            after = posted - amount if delta < 0 else posted + amount
            available += amount if delta < 0 else -amount
            specs.append(
                TransferSpec(
                    id=_transfer_id(f"usage:{grant_id}:{day.isoformat()}:{posted}:{after}"),
                    debit_account_id=debit,
                    credit_account_id=credit,
                    amount=amount,
                    ledger_id=ledger_id,
                    code=code,
                    user_data=f"usage grant {grant_id} {day.isoformat()}",
                )
            )
            updates.append((pk, after))
    for start in range(0, len(specs), MAX_BATCH):
        for outcome in transfers_create(transfers=specs[start : start + MAX_BATCH], by=None):
            if outcome.result not in (Result.OK, Result.EXISTS):
                raise ValidationError(_("The ledger refused a usage transfer (%(code)s).") % {"code": outcome.result})
    if updates:
        daily_table = table(UsageDaily)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {daily_table} u SET posted_seconds = d.posted FROM unnest(%s::bigint[], %s::bigint[]) "  # noqa: S608 - table names from model metadata
                "AS d(id, posted) WHERE u.id = d.id",
                [[u[0] for u in updates], [u[1] for u in updates]],
            )
    return len(specs)
