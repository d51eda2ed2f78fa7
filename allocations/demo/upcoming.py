"""The round under way today, on the quick set's open calls (they allocate next quarter): a queue for every role.

carol finds applications to check, a panel to decide and a Fast Lane run to commit; bob assignments to accept and a
review to finish; alice an offer to accept and a reply to write; other applicants drafts before the cut-off.
"""

import datetime as dt

from django.utils import timezone

from accounts.demo import ALICE, BOB
from allocations.applications.workflow import Status
from allocations.demo import applicants, capacity, reviewing
from allocations.demo.rounds import Cast, Submitted, _decide_all
from allocations.demo.timeline import Quarter
from allocations.models import Application, Call
from reviews.models import AssignmentStatus, ReviewAssignment


def _ago(days: float) -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=days)


def _submit(cast: Cast, call: Call, count: int, *, quarter: Quarter, offset: int) -> list[Submitted]:
    """``count`` applications submitted over the last six days, each organisation within the call's limit."""
    made = []
    n = 0
    for step in range(len(cast.applicants) * 3):
        if len(made) == count:
            break
        applicant = cast.applicants[(offset + step) % len(cast.applicants)]
        counted = Application.objects.filter(call=call, organisation=applicant.organisation).exclude(
            status__in=[Status.DRAFT, Status.WITHDRAWN]
        )
        if counted.count() >= call.max_applications_per_organisation:
            continue
        at = _ago(6.5 - 2 * n / max(count, 1))
        application = applicants.write(
            call=call, applicant=applicant, rng=cast.rng, n=cast.next_number(), start=quarter.start, now=at
        )
        application = applicants.submit(application, applicant, pdf=cast.pdf, now=at + dt.timedelta(hours=1))
        made.append(Submitted(application, quality=cast.rng.uniform(2.4, 4.8)))
        n += 1
    return made


def _drafts(cast: Cast, calls: dict[str, Call], *, quarter: Quarter, count: int) -> None:
    for n in range(count):
        call = list(calls.values())[n % len(calls)]
        applicants.write(
            call=call,
            applicant=cast.applicants[(n + 3) % len(cast.applicants)],
            rng=cast.rng,
            n=cast.next_number(),
            start=quarter.start,
            now=_ago(4 - 3 * n / count),
            complete=n % 3 != 0,
        )


def _checked(cast: Cast, items: list[Submitted], *, unchecked: int, ineligible: int) -> list[Submitted]:
    """Check all but the last ``unchecked`` (carol's queue); returns the eligible ones."""
    todo = items[: len(items) - unchecked]
    weakest = sorted(todo, key=lambda s: s.quality)[:ineligible]
    for item in todo:
        reviewing.check(item.application, by=cast.carol, now=_ago(4), eligible=item not in weakest)
    return [s for s in todo if s not in weakest]


def _reviews(cast: Cast, items: list[Submitted], alice_item: Submitted | None) -> None:
    """Reviewers assigned four days ago. The first three applications (alice's among them) have both reviews and
    their right to reply is open; in the others bob's assignments wait for him (one accepted, its review a draft),
    the other reviewers have submitted."""
    bob = next((r for r in cast.reviewers if r.email == BOB), None)
    ordered = ([alice_item] if alice_item else []) + [s for s in items if s is not alice_item]
    assignments = reviewing.assign([s.application for s in ordered], by=cast.carol, pool=cast.reviewers, now=_ago(3.5))
    bob_drafts = 0
    for n, item in enumerate(ordered):
        for assignment in assignments.get(item.application.pk, []):
            complete = n < 3
            if assignment.reviewer == bob and not complete:
                if bob_drafts == 0:
                    reviewing.review(assignment, quality=item.quality, rng=cast.rng, now=_ago(2), submit=False)
                    bob_drafts += 1
                continue
            if complete or n % 2 == 0:
                reviewing.review(assignment, quality=item.quality, rng=cast.rng, now=_ago(3 - n / 10))


def seed(cast: Cast, *, quarter: Quarter, index: int) -> dict[str, int]:
    """The round of the quick set's calls (``<mode>-demo``), which allocates ``quarter`` (next quarter)."""
    calls = {c.access_mode.code: c for c in Call.objects.filter(slug__endswith="-demo").select_related("access_mode")}
    if len(calls) < 3:
        return {}
    alice = next(a for a in cast.applicants if a.user.email == ALICE)
    others = [a for a in cast.applicants if a is not alice]
    playground = _submit(cast, calls["playground"], 11, quarter=quarter, offset=1)
    fast = _submit(cast, calls["fast-lane"], 12, quarter=quarter, offset=4)
    rest = Cast(cast.carol, others, cast.reviewers, cast.pdf, cast.rng, cast.counter, cast.partner)
    large = _submit(rest, calls["large-scale"], 9, quarter=quarter, offset=2)
    alice_large = _submit(Cast(cast.carol, [alice], cast.reviewers, cast.pdf, cast.rng, cast.counter),
                          calls["large-scale"], 1, quarter=quarter, offset=0)  # fmt: skip
    _drafts(cast, calls, quarter=quarter, count=12)

    # Alice's Playground application of the quick set waits in the panel; it is approved with the others.
    quick = [
        Submitted(a, quality=4.5)
        for a in Application.objects.filter(call=calls["playground"], status=Status.PANEL, pi__email=ALICE)
    ]
    eligible = _checked(cast, playground, unchecked=3, ineligible=1) + quick
    _decide_all(cast, eligible[1:], now=_ago(1.5), waitlist=0, reject=1)  # the first stays in the panel
    fast_eligible = _checked(cast, fast, unchecked=2, ineligible=1)
    _decide_all(cast, fast_eligible, now=_ago(1.5), waitlist=0, reject=1)
    large_eligible = _checked(cast, alice_large + large, unchecked=2, ineligible=0)
    _reviews(cast, large_eligible, alice_large[0] if alice_large else None)

    capacity.periods(quarter=quarter, index=index, by=cast.carol, entitlements_on=timezone.localdate())
    runs = [capacity.run(pool, by=cast.carol, now=_ago(1)) for pool in capacity.open_pools(quarter, "playground")]
    # Everybody but alice has answered; Fast Lane's run waits for carol to commit it.
    offers = capacity.answer_offers(runs, rng=cast.rng, now=_ago(0.5), declines=0, keep=0, skip_email=ALICE)
    pending = [capacity.run(pool, by=cast.carol, commit=False) for pool in capacity.open_pools(quarter, "fast-lane")]
    bob_waiting = ReviewAssignment.objects.filter(reviewer__email=BOB, status=AssignmentStatus.PENDING).count()
    return {
        "applications": len(playground) + len(fast) + len(large) + len(alice_large) + 12,
        "offers": len(offers),
        "runs to commit": len(pending),
        "bob's assignments": bob_waiting,
    }
