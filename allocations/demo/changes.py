"""Change requests on the demo's running grants: ``seed_demo`` (without ``--small``) runs ``seed`` after the history.

On the grants of the current quarter, PIs asked through the services: an extension waits for carol's decision, a
supplement was approved (a ledger transfer from the pool) and a second one refused with a reason, so the staff list
and the grant pages show each state. The e-mails of the past are not sent.

Idempotent: a later run finds change requests and returns at once.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.demo import CAROL
from accounts.models import User
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.changes import ChangeKind, ChangeRequest
from allocations.postaward.changes import services
from portal.models import OutboxMessage
from portal.units import gpu_seconds

HOURS = 500


def _running_grants() -> list[Grant]:
    return list(
        Grant.objects.filter(status=GrantStatus.ACTIVE, application__pi__isnull=False)
        .select_related("application__pi")
        .order_by("-period__starts_on", "pk")[:30]
    )


def _extension(grants: list[Grant]) -> Grant | None:
    """The first grant on which the PI may ask for a month more (its award's last slice exists and the call's
    longest duration allows it): the extension waits for carol."""
    for grant in grants:
        try:
            services.change_request_create(
                grant_id=grant.pk,
                kind=ChangeKind.EXTENSION,
                justification="The evaluation dataset arrives a month late.",
                by=grant.application.pi,
                new_ends_on=grant.ends_on + dt.timedelta(days=31),
            )
        except ValidationError:
            continue
        return grant
    return None


def seed(stdout, *, past: int | None = None) -> None:
    """``past`` (how many quarters the history told) is not needed: the requests are on the running grants."""
    if ChangeRequest.objects.exists():
        stdout.write("change requests: already seeded")
        return
    carol = User.objects.filter(email=CAROL).first()
    grants = _running_grants()
    if carol is None or len(grants) < 3:
        stdout.write("change requests: no running grants to ask on")
        return
    made = 0
    with transaction.atomic():
        since = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
        extended = _extension(grants)
        made += extended is not None
        others = [g for g in grants if g != extended][:2]
        asks = [
            (others[0], ChangeKind.SUPPLEMENT, {"amount_seconds": gpu_seconds(HOURS)}, ("approve", "")),
            (
                others[1],
                ChangeKind.SUPPLEMENT,
                {"amount_seconds": gpu_seconds(HOURS * 4)},
                ("refuse", "The pool is kept for the projects of the next cut-off; ask again next quarter."),
            ),
        ]
        for grant, kind, fields, decision in asks:
            try:
                change = services.change_request_create(
                    grant_id=grant.pk,
                    kind=kind,
                    justification="The evaluation needs more than planned.",
                    by=grant.application.pi,
                    **fields,
                )
                if decision:
                    services.change_transition(request_id=change.pk, action=decision[0], by=carol, reason=decision[1])
            except ValidationError as exc:  # a demo grant the rules do not allow: tell and go on
                stdout.write(f"change requests: grant {grant.pk} skipped ({' '.join(exc.messages)})")
                continue
            made += 1
        OutboxMessage.objects.filter(pk__gt=since, relayed_at__isnull=True).delete()
    stdout.write(f"change requests: {made} made")
