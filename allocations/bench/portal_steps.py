"""Steps of the portal-sized data set (``portal_data.seed``) and the bulk-write helpers they share: COPY of rows,
historic timestamps kept on bulk inserts, usage with reclaims, review assignments, EUR payments."""

import contextlib
import datetime
import io
import random
import uuid
from dataclasses import dataclass

from django.db import connection

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.models.capacity import GrantStatus
from allocations.models.usage import UsageDaily, UsageReclaim
from ledger.engine import TransferSpec
from ledger.models import AccountCode, Fund, Ledger, Tranche
from ledger.services import ledger_eur, partner_account, tranche_account, transfers_create
from portal.units import SECONDS_PER_HOUR
from reviews.models import AssignmentStatus, ReviewAssignment


@dataclass(frozen=True)
class Scale:
    applications: int = 100_000
    grants: int = 20_000
    usage_rows: int = 1_000_000
    transfers: int = 20_000
    calls: int = 60
    organisations: int = 5_000
    reviewers: int = 300
    assignments: int = 40_000


FULL = Scale()


@contextlib.contextmanager
def _explicit_timestamps(*models_and_fields):
    """Let bulk inserts keep the historic timestamps we give (``auto_now_add`` would overwrite them)."""
    fields = [model._meta.get_field(name) for model, name in models_and_fields]
    saved = [(f, f.auto_now_add, f.auto_now) for f in fields]
    for f in fields:
        f.auto_now_add = f.auto_now = False
    try:
        yield
    finally:
        for f, add, now in saved:
            f.auto_now_add, f.auto_now = add, now


def _copy(table: str, columns: list[str], rows) -> None:
    """Stream ``rows`` into ``table`` with COPY (tab-separated text)."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for n, row in enumerate(rows, start=1):
            buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def _eur_payments(rng: random.Random, partners: list, transfers: int) -> int:
    """EUR ledger: a fund with tranches and ``transfers`` partner payments, through the journal's one write path."""

    # EUR ledger: a fund with tranches and partner payments, through the journal's one write path.
    fund, _ = Fund.objects.get_or_create(name="InvestAI AI Gigafactories Fund", defaults={"size_cents": 20 * 10**11})
    tranches = [
        Tranche.objects.get_or_create(
            fund=fund,
            kind=kind,
            defaults={
                "name": f"{kind.title()} tranche",
                "target_cents": target,
                "expected_return_bp": 300,
                "risk_rank": rank,
            },
        )[0]
        for rank, (kind, target) in enumerate(
            [("senior", 12 * 10**11), ("mezzanine", 5 * 10**11), ("junior", 3 * 10**11)], 1
        )
    ]
    ledger_eur()
    pairs = [
        (
            partner_account(partner=p, code=AccountCode.PARTNER_COMMITMENT).pk,
            tranche_account(tranche=t, code=AccountCode.TRANCHE_CAPITAL).pk,
        )
        for p in partners
        for t in tranches
    ]
    eur = Ledger.objects.get(code=Ledger.EUR)
    written = 0
    while written < transfers:
        batch = [
            TransferSpec(
                id=uuid.uuid4(),
                debit_account_id=pairs[(written + k) % len(pairs)][0],
                credit_account_id=pairs[(written + k) % len(pairs)][1],
                amount=rng.randint(1, 10_000) * 100_000,
                ledger_id=eur.pk,
                code="payment",
            )
            for k in range(min(1_000, transfers - written))
        ]
        transfers_create(transfers=batch, by=None)
        written += len(batch)
    return written


def _review_assignments(rng: random.Random, scale: Scale, apps: list, admin, tag: str) -> int:
    """Reviewers and their assignments to the applications past submission; returns how many assignments."""

    reviewers = User.objects.bulk_create(
        User(email=f"bench-reviewer-{k}-{tag}@example.eu", full_name=f"Reviewer {k}") for k in range(scale.reviewers)
    )
    reviewed = [a for a in apps if a.status not in (Status.DRAFT, Status.SUBMITTED)]
    assignments = []
    seen = set()
    for k in range(min(scale.assignments, len(reviewed) * 2)):
        application = reviewed[k % len(reviewed)]
        reviewer = reviewers[(k * 7 + k // len(reviewed)) % len(reviewers)]
        if (application.pk, reviewer.pk) in seen:
            continue
        seen.add((application.pk, reviewer.pk))
        done = rng.random() < 0.7
        created = application.submitted_at + datetime.timedelta(days=1)
        assignments.append(
            ReviewAssignment(
                application=application,
                reviewer=reviewer,
                status=AssignmentStatus.COMPLETED if done else AssignmentStatus.ACCEPTED,
                due_on=(created + datetime.timedelta(days=14)).date(),
                assigned_by=admin,
                created_at=created,
                completed_at=created + datetime.timedelta(days=rng.randint(1, 20)) if done else None,
            )
        )
    with _explicit_timestamps((ReviewAssignment, "created_at")):
        ReviewAssignment.objects.bulk_create(assignments, batch_size=5_000)
    return len(assignments)


def _usage_and_reclaims(rng: random.Random, scale: Scale, grants: list, today: datetime.date) -> dict[str, int]:
    """Daily usage rows of the grants (by COPY) and the reclaims of closed grants of ended periods."""

    # Daily usage: spread over the accepted grants, at most one row per grant and day.
    used_grants = [g for g in grants if g.status != GrantStatus.OFFERED]
    per_grant = max(scale.usage_rows // max(len(used_grants), 1), 1)

    def usage_rows():
        written = 0
        for g in used_grants:
            first = g.starts_on + datetime.timedelta(days=rng.randint(0, 20))
            for d in range(per_grant):
                if written >= scale.usage_rows:
                    return
                seconds = rng.randint(0, 8) * 4 * SECONDS_PER_HOUR
                yield (g.pk, first + datetime.timedelta(days=d), seconds, seconds, rng.randint(1, 5))
                written += 1

    _copy(UsageDaily._meta.db_table, ["grant_id", "day", "gpu_seconds", "posted_seconds", "jobs"], usage_rows())
    usage_count = UsageDaily.objects.count()

    # Reclaims for closed grants of ended periods (into the same Gigafactory's next pool).
    reclaims = [
        UsageReclaim(grant=g, period_id=g.period_id, to_pool=g.pool, amount_seconds=g.granted_seconds // 10)
        for g in grants
        if g.status == GrantStatus.CLOSED and g.period.ends_on <= today
    ]
    UsageReclaim.objects.bulk_create(reclaims, batch_size=5_000)
    return {"usage_rows": usage_count, "reclaims": len(reclaims)}
