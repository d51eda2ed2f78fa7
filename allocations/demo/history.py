"""A portal in use: ``seed_demo`` (without ``--small``) runs ``seed`` after the quick sets of every app.

Six past quarters and the current one each had their round (calls, about 35 applications through checks, reviews,
replies, panel, allocation runs and offers), their grants used the hours (sacct files imported through the usage
services, with the 80 % and 100 % alerts) and gave back what was left (reclaims); the partners paid in ahead of
each quarter; the round for next quarter is under way on the quick set's open calls. Every step goes through the
services with the time it happened, then the dashboards' summaries are rebuilt through their service.

Idempotent: the history is written once, in one transaction; a later run finds its calls and returns at once.
The e-mails and background tasks the past would have sent are dropped before the commit (they belong to moments
that are gone), so a first ``make run`` does not mail thousands of notices to the demo users.
"""

import random
import time

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.demo import BOB, CAROL, DORA
from accounts.models import User
from allocations.applications.workflow import Status
from allocations.dashboards.services import usage_summary_refresh
from allocations.demo import applicants, capacity, partners, reviewing, rounds, upcoming, usage
from allocations.demo.quick import _demo_pdf
from allocations.demo.timeline import PAST_QUARTERS, current_quarter, past_quarters
from allocations.models import Application, Call
from allocations.models.capacity import Grant
from allocations.models.usage import UsageAlert, UsageReclaim
from ledger.demo import PARTNER_CONTACT_EMAIL
from portal.models import OutboxMessage

HISTORY_CALLS = r"^large-scale-\d{4}-q[1-4]$"


def is_seeded() -> bool:
    return Call.objects.filter(slug__regex=HISTORY_CALLS).exists()


def _cast() -> rounds.Cast | None:
    people = {u.email: u for u in User.objects.filter(email__in=[CAROL, DORA, BOB])}
    found = applicants.applicants()
    if CAROL not in people or DORA not in people or len(found) < 5:
        return None
    return rounds.Cast(
        carol=people[CAROL],
        applicants=found,
        reviewers=reviewing.reviewers(),
        pdf=_demo_pdf(),
        rng=random.Random(2026),  # noqa: S311 - demo data, the same every time
        partner=User.objects.filter(email=PARTNER_CONTACT_EMAIL).first(),
    )


def _drop_past_messages(since: int) -> int:
    """The outbox messages written since ``since`` (e-mails and tasks of the past), before anything relays them."""
    deleted, _ = OutboxMessage.objects.filter(pk__gt=since, relayed_at__isnull=True).delete()
    return deleted


def seed(stdout, *, past: int = PAST_QUARTERS) -> None:
    """The history of ``past`` quarters (at most six), the current one and the round under way (see above)."""
    if is_seeded():
        stdout.write("history: already seeded")
        return
    cast = _cast()
    if cast is None:
        stdout.write("history: the quick set's users and organisations are missing; run seed_demo --small first")
        return
    started = time.monotonic()
    today = timezone.localdate()
    past, current = past_quarters(today, past), current_quarter(today)
    first = PAST_QUARTERS - len(past)  # the ramp-up of the Gigafactories is told from six quarters ago
    upcoming_quarter = current.shifted(1)
    with transaction.atomic():
        since = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
        paid_for = [q for q in (*past, current, upcoming_quarter) if q.at(-36, 11) <= timezone.now()]
        partners.seed(stdout, dora=User.objects.get(email=DORA), quarters=paid_for)
        quarters = [*past, current]
        for index, quarter in enumerate(quarters):
            counts = rounds.past_round(cast, quarter=quarter, index=first + index)
            activated = capacity.activate(quarter)
            reclaimed = capacity.reclaim(quarter, by=cast.carol) if index else 0
            until = today if quarter == current else quarter.end
            period_ids = list(
                Grant.objects.filter(period__year=quarter.year, period__quarter=quarter.number)
                .values_list("period_id", flat=True)
                .distinct()
            )
            imports = usage.quarter_usage(
                period_ids=period_ids, until=until, rng=cast.rng, by=cast.carol, label=quarter.slug
            )
            stdout.write(
                f"  {quarter.label}: {counts['applications']} applications, {counts['runs']} runs, "
                f"{activated} grants activated, {reclaimed} reclaimed, {imports} usage imports"
            )
        now_counts = upcoming.seed(cast, quarter=upcoming_quarter, index=first + len(quarters))
        stdout.write(f"  round for {upcoming_quarter.label} under way: {now_counts}")
        usage_summary_refresh(trigger="seed_demo")
        dropped = _drop_past_messages(since)
    stdout.write(
        f"history: {Application.objects.count()} applications "
        f"({Application.objects.filter(status=Status.DRAFT).count()} drafts), "
        f"{Grant.objects.count()} grants, {UsageAlert.objects.count()} alerts, "
        f"{UsageReclaim.objects.count()} reclaims; {dropped} past e-mails and tasks not sent; "
        f"{time.monotonic() - started:.1f} s"
    )
