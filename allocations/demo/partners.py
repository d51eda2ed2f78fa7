"""Twelve partners and two years of their money: pledges made before the first demo quarter and paid in by
instalments ahead of each quarter, through the ledger's services (dated when they happened), so that each quarter's
partner pools are split by what had been paid in by then. The quick set (``ledger.demo``) has the fund, the
tranches, ten partners, the guarantee and the in-kind entries; this adds two partners and the payment history."""

import datetime as dt
import uuid

from accounts.models import User
from allocations.demo.timeline import Quarter, moment
from ledger.models import Partner, PartnerKind, Tranche, Transfer
from ledger.services import NAMESPACE, pending_post, pledge_record

M = 100_000_000  # one million euros in cents

NEW_PARTNERS = [
    # name, kind, country, tranches it may enter
    ("Netherlands: National Growth Fund", PartnerKind.MEMBER_STATE_BUDGET, "NL", ["senior", "mezzanine"]),
    ("Baltic AI Ventures", PartnerKind.PRIVATE_INVESTOR, "LT", ["mezzanine"]),
]

# (partner, tranche, pledged in millions, paid per quarter in millions)
COMMITMENTS = [
    ("Digital Europe Programme", "junior", 800, 60),
    ("Horizon Europe", "junior", 600, 45),
    ("Germany: Federal budget", "senior", 1200, 90),
    ("France: State budget", "senior", 1000, 80),
    ("Spain: State budget", "senior", 400, 30),
    ("Italy: Cohesion funds", "mezzanine", 300, 25),
    ("Poland: Cohesion funds", "junior", 200, 15),
    ("Nordic Infrastructure Partners", "senior", 900, 70),
    ("Rhein-Main AI Capital", "mezzanine", 500, 35),
    ("Netherlands: National Growth Fund", "senior", 600, 50),
    ("Baltic AI Ventures", "mezzanine", 120, 10),
]


def _id(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"demo-history:{key}")


def _partners() -> dict[str, Partner]:
    tranches = {t.kind: t for t in Tranche.objects.all()}
    for name, kind, country, allowed in NEW_PARTNERS:
        partner, _created = Partner.objects.get_or_create(name=name, defaults={"kind": kind, "country": country})
        for tranche in allowed:
            tranches[tranche].eligible_partners.add(partner)
    return {p.name: p for p in Partner.objects.all()}


def seed(stdout, *, dora: User, quarters: list[Quarter]) -> int:
    """Pledges two months before the first quarter, then one instalment five weeks before each quarter (before
    its pools are split). Returns how many partners have a commitment."""
    partners = _partners()
    tranches = {t.kind: t for t in Tranche.objects.all()}
    first = quarters[0]
    pledged_at = moment(first.start - dt.timedelta(days=75), 11)
    for name, tranche, pledged, instalment in COMMITMENTS:
        key = name.lower().replace(" ", "-")
        pending = pledge_record(
            partner=partners[name],
            tranche=tranches[tranche],
            amount_cents=pledged * M,
            reference=f"Commitment {first.year}-{first.year + 2}",
            transfer_id=_id(f"{key}:pledge"),
            by=dora,
            now=pledged_at,
        )
        for quarter in quarters:
            payment_id = _id(f"{key}:{quarter.slug}")
            pending_post(
                pending=pending,
                amount_cents=instalment * M,
                reference=f"Instalment for {quarter.label}",
                transfer_id=payment_id,
                by=dora,
                now=quarter.at(-36, 11),
            )
            # A part payment re-opens the rest as a new pending pledge (see ``pending_post``).
            pending = Transfer.objects.get(pk=uuid.uuid5(NAMESPACE, f"remainder:{payment_id}"))
    stdout.write(f"  ledger: {len(partners)} partners, {len(COMMITMENTS)} commitments paid in by instalments")
    return len(COMMITMENTS)
