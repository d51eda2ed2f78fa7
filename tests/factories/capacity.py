"""Factories for capacity allocation: approved applications with a panel rank, and periods split into pools
through the real services (so the GPU-second ledger holds the same transfers as in production)."""

import datetime as dt
import itertools

from django.utils import timezone

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.capacity import services as capacity_services
from allocations.models import Application, Call, Gigafactory
from allocations.models.capacity import CapacityPeriod, Pool, PoolKind
from tests.factories.accounts import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.allocations import ApplicationFactory

_references = itertools.count(1)


def approved_application(
    *,
    call: Call,
    requested: int,
    minimum: int | None = None,
    rank: int | None = None,
    organisation=None,
    pi: User | None = None,
    gigafactory: Gigafactory | None = None,
    decided_by: User | None = None,
    submitted_at=None,
) -> Application:
    """An application already approved by the panel (status set directly, as the review stage would leave it),
    asking ``requested`` GPU-hours (at least ``minimum``), with the panel ``rank`` recorded like the review stage
    records it. ``pi`` defaults to a new owner of ``organisation``."""
    if organisation is None:
        organisation = OrganisationFactory()
    if pi is None:
        pi = UserFactory()
        MembershipFactory(organisation=organisation, user=pi, role="owner")
    number = next(_references) + Application.objects.count()
    application = ApplicationFactory(
        call=call,
        organisation=organisation,
        created_by=pi,
        pi=pi,
        title=f"Project {number}",
        requested_gpu_hours=requested,
        minimum_gpu_hours=minimum,
        preferred_gigafactory=gigafactory or call.gigafactories.first(),
        status=Status.APPROVED,
        reference=f"GAP-2027-{number:06d}",
        submitted_at=submitted_at or timezone.now() - dt.timedelta(days=30),
    )
    if rank is not None:
        from reviews.models import PanelDecision  # the review stage keeps the panel rank

        PanelDecision.objects.create(
            application=application,
            decision=Status.APPROVED,
            rank=rank,
            justification="Ranked by the panel.",
            decided_by=decided_by or pi,
        )
    return application


def period_with_pools(
    *,
    by: User,
    gigafactory: Gigafactory,
    open_shares: dict | None = None,
    year: int = 2027,
    quarter: int = 1,
    accelerators: int = 1000,
    availability_percent: int = 90,
    reserve_percent: int = 10,
    entitlements_on: dt.date | None = None,
) -> CapacityPeriod:
    """A capacity period posted to the ledger and split into pools by the services (default: the whole capacity
    to the Large Scale open-access pool)."""
    from tests.factories.allocations import access_mode

    period = capacity_services.period_create(
        gigafactory=gigafactory,
        year=year,
        quarter=quarter,
        accelerators=accelerators,
        availability_percent=availability_percent,
        reserve_percent=reserve_percent,
        by=by,
    )
    shares = open_shares if open_shares is not None else {access_mode("large-scale").pk: 10_000}
    capacity_services.period_split(
        period_id=period.pk, open_shares_bp=shares, entitlements_on=entitlements_on or timezone.localdate(), by=by
    )
    return period


def open_pool(period: CapacityPeriod, code: str = "large-scale") -> Pool:
    return Pool.objects.select_related("account", "period").get(
        period=period, kind=PoolKind.OPEN_ACCESS, access_mode__code=code
    )


def contributions_paid(*, by: User, eu_cents: int = 300_000_00, partner_cents: int = 100_000_00):
    """The Digital Europe Programme and a private investor have paid in (through the ledger's own flows, ``by`` a
    finance admin): with the defaults the EU holds 75 % of the contributions, so the open calls get the 50 % cap."""
    from ledger import services as ledger_services
    from tests.factories.ledger import PartnerFactory, TrancheFactory

    eu = PartnerFactory(name="Digital Europe Programme", kind="eu_digital_europe", country="")
    investor = PartnerFactory(name="Nordic Infrastructure Partners")
    tranche = TrancheFactory(partners=[eu, investor])
    for partner, cents in ((eu, eu_cents), (investor, partner_cents)):
        if cents:
            pledge = ledger_services.pledge_record(partner=partner, tranche=tranche, amount_cents=cents, by=by)
            ledger_services.pending_post(pending=pledge, by=by)
    return eu, investor
