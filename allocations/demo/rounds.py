"""One allocation round of the demo, told through the services in the order it happens: the calls open,
applicants submit, carol checks, reviewers review, PIs reply, the panel decides, the quarter's capacity is split,
runs are committed into offers and the PIs answer them."""

import datetime as dt
import random
from dataclasses import dataclass, field

from accounts.models import User
from allocations.applications import services as application_services
from allocations.applications.workflow import Status
from allocations.demo import applicants, calls, capacity, reviewing
from allocations.demo.timeline import (
    ANSWERED,
    ASSIGNED,
    CHECKED,
    COMMITTED,
    DECIDED,
    REPLIED,
    REVIEWED,
    SUBMITTED_FROM,
    SUBMITTED_TO,
    Quarter,
)
from allocations.models import Application
from reviews.services import REPLY_DAYS

# Applications per access mode in a past round.
PER_MODE = {"playground": 14, "fast-lane": 11, "large-scale": 8}


@dataclass
class Cast:
    carol: User
    applicants: list[applicants.Applicant]
    reviewers: list[User]
    pdf: bytes
    rng: random.Random
    counter: list[int] = field(default_factory=lambda: [0])
    partner: User | None = None  # a partner's contact, who awards hours from the partner's pool

    def next_number(self) -> int:
        self.counter[0] += 1
        return self.counter[0]


@dataclass
class Submitted:
    application: Application
    quality: float  # how good reviewers find it (0 to 5)


def _submit_many(cast: Cast, call, count: int, *, start: dt.date, moments: list[dt.datetime], offset: int):
    """``count`` applications to ``call`` from the demo organisations in turn, submitted at ``moments``."""
    made = []
    for n in range(count):
        applicant = cast.applicants[(offset + n) % len(cast.applicants)]
        submitted_at = moments[n % len(moments)]
        application = applicants.write(
            call=call,
            applicant=applicant,
            rng=cast.rng,
            n=cast.next_number(),
            start=start,
            now=submitted_at - dt.timedelta(days=2),
        )
        application = applicants.submit(application, applicant, pdf=cast.pdf, now=submitted_at)
        made.append(Submitted(application, quality=cast.rng.uniform(2.2, 4.8)))
    return made


def _moments(quarter: Quarter, count: int, rng: random.Random) -> list[dt.datetime]:
    days = sorted(rng.uniform(SUBMITTED_FROM, SUBMITTED_TO) for _ in range(count))
    return [quarter.at(day, 9 + n % 8) for n, day in enumerate(days)]


def _check_all(cast: Cast, submitted: list[Submitted], *, now, ineligible: int = 1) -> list[Submitted]:
    """Check every application; the weakest ``ineligible`` fail the technical check. Returns the eligible ones."""
    weakest = sorted(submitted, key=lambda s: s.quality)[:ineligible]
    for item in submitted:
        reviewing.check(item.application, by=cast.carol, now=now, eligible=item not in weakest)
    return [s for s in submitted if s not in weakest]


def _review_all(cast: Cast, items: list[Submitted], quarter: Quarter) -> None:
    """Two reviews each, the right to reply, half of the PIs reply; the other windows lapse."""
    assignments = reviewing.assign(
        [s.application for s in items], by=cast.carol, pool=cast.reviewers, now=quarter.at(ASSIGNED)
    )
    for item in items:
        for assignment in assignments.get(item.application.pk, []):
            reviewing.review(assignment, quality=item.quality, rng=cast.rng, now=quarter.at(REVIEWED, 15))
    for item in items[::2]:
        reviewing.reply(item.application, now=quarter.at(REPLIED))
    reviewing.close_replies(now=quarter.at(REVIEWED + REPLY_DAYS + 1))


def _decide_all(cast: Cast, items: list[Submitted], *, now, waitlist: int, reject: int) -> None:
    """The panel approves in order of quality and waitlists or rejects the tail."""
    ranked = sorted(items, key=lambda s: -s.quality)
    for n, item in enumerate(ranked):
        item.application.refresh_from_db(fields=["status"])
        if item.application.status != Status.PANEL:
            continue
        if n >= len(ranked) - reject:
            decision = Status.REJECTED
        elif n >= len(ranked) - reject - waitlist:
            decision = Status.WAITLISTED
        else:
            decision = Status.APPROVED
        reviewing.decide(item.application, decision, by=cast.carol, now=now)


def past_round(cast: Cast, *, quarter: Quarter, index: int) -> dict[str, int]:
    """The whole round that allocated ``quarter`` (index 0 = the oldest demo quarter); offers answered before it
    starts. Returns counts."""
    round_calls = calls.round_calls(quarter=quarter, gigafactories=capacity.in_service(index), by=cast.carol)
    rng = cast.rng
    by_mode: dict[str, list[Submitted]] = {}
    for offset, (code, call) in enumerate(round_calls.items()):
        count = PER_MODE[code]
        by_mode[code] = _submit_many(
            cast, call, count, start=quarter.start, moments=_moments(quarter, count, rng), offset=index + offset * 3
        )
    # An applicant withdraws; another leaves a draft unfinished.
    withdrawn = by_mode["fast-lane"].pop()
    application_services.application_withdraw(
        application_id=withdrawn.application.pk,
        by=withdrawn.application.pi,
        comment="We found compute elsewhere.",
        now=quarter.at(SUBMITTED_TO + 2),
    )
    applicants.write(
        call=round_calls["playground"],
        applicant=cast.applicants[(index + 5) % len(cast.applicants)],
        rng=rng,
        n=cast.next_number(),
        start=quarter.start,
        now=quarter.at(SUBMITTED_TO),
        complete=False,
    )
    checked = quarter.at(CHECKED)
    eligible = {code: _check_all(cast, items, now=checked) for code, items in by_mode.items()}
    _review_all(cast, eligible["large-scale"], quarter)
    decided = quarter.at(DECIDED)
    _decide_all(cast, eligible["playground"], now=decided, waitlist=0, reject=1)
    _decide_all(cast, eligible["fast-lane"], now=decided, waitlist=1, reject=1)
    _decide_all(cast, eligible["large-scale"], now=decided, waitlist=1, reject=1)
    capacity.periods(quarter=quarter, index=index, by=cast.carol)
    runs = [
        capacity.run(pool, by=cast.carol, now=quarter.at(COMMITTED))
        for code in PER_MODE
        for pool in capacity.open_pools(quarter, code)
    ]
    left = capacity.answer_offers(runs, rng=rng, now=quarter.at(ANSWERED), declines=1, keep=1)
    if cast.partner is not None:  # a partner sponsors the waitlisted Large Scale project
        capacity.sponsor(
            [round_calls["large-scale"]], by=cast.partner, now=quarter.at(COMMITTED + 1), answered=quarter.at(ANSWERED)
        )
    if left:  # the open offer expires a day after its deadline
        capacity.expire(now=left[0].respond_by + dt.timedelta(days=1))
    return {"applications": sum(len(items) for items in by_mode.values()) + 2, "runs": len(runs)}
