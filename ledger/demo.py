"""Demo data of the ledger: the EUR 20 bn fund, three tranches, partners of every kind and their contributions.

``seed(stdout)`` is idempotent: partners, tranches and accounts are looked up by name, and every transfer has an id
derived from its name, so a second run answers ``exists`` for each and moves nothing.
"""

import uuid

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import PlatformRole
from ledger.engine import Result, TransferSpec
from ledger.models import AccountCode, Fund, Partner, PartnerKind, Tranche, TrancheKind
from ledger.services import NAMESPACE, partner_account, tranche_account, transfers_create

PARTNER_CONTACT_EMAIL = "paula@demo.gigafactory.eu"
PARTNER_CONTACT_PASSWORD = "demo-partner-2025!"  # noqa: S105 - demo data, printed by the seed command
FINANCE_ADMIN_EMAIL = "dora@demo.gigafactory.eu"

M = 100_000_000  # one million euros in cents
B = 1000 * M

TRANCHES = [
    # kind, name, target, expected return (bp a year), risk rank
    (TrancheKind.SENIOR, "Senior tranche", 12 * B, 350, 1),
    (TrancheKind.MEZZANINE, "Mezzanine tranche", 5 * B, 650, 2),
    (TrancheKind.JUNIOR, "Junior / first-loss tranche", 3 * B, 100, 3),
]

PARTNERS = [
    # name, kind, country, tranches it may enter
    ("Digital Europe Programme", PartnerKind.EU_DIGITAL_EUROPE, "", ["junior", "mezzanine"]),
    ("Horizon Europe", PartnerKind.EU_HORIZON_EUROPE, "", ["junior", "mezzanine"]),
    ("Germany: Federal budget", PartnerKind.MEMBER_STATE_BUDGET, "DE", ["senior", "mezzanine"]),
    ("France: State budget", PartnerKind.MEMBER_STATE_BUDGET, "FR", ["senior", "mezzanine"]),
    ("Spain: State budget", PartnerKind.MEMBER_STATE_BUDGET, "ES", ["senior", "mezzanine"]),
    ("Italy: Cohesion funds", PartnerKind.MEMBER_STATE_COHESION, "IT", ["mezzanine", "junior"]),
    ("Poland: Cohesion funds", PartnerKind.MEMBER_STATE_COHESION, "PL", ["mezzanine", "junior"]),
    ("Nordic Infrastructure Partners", PartnerKind.PRIVATE_INVESTOR, "SE", ["senior", "mezzanine"]),
    ("Rhein-Main AI Capital", PartnerKind.PRIVATE_INVESTOR, "DE", ["senior", "mezzanine"]),
    ("Oulu Gigafactory Campus (host site)", PartnerKind.HOST_SITE, "FI", ["junior"]),
]

# Cash pledges: (key, partner, tranche, pledged, paid so far, reference)
PLEDGES = [
    ("dep-junior", "Digital Europe Programme", "junior", 1600 * M, 700 * M, "DEP/2025/AIGF-01"),
    ("he-junior", "Horizon Europe", "junior", 1000 * M, 400 * M, "HE/2025/AIGF-02"),
    ("de-senior", "Germany: Federal budget", "senior", 2500 * M, 1000 * M, "BMDS 2025-114"),
    ("fr-senior", "France: State budget", "senior", 2000 * M, 750 * M, "France 2030 / IA-GF"),
    ("es-mezz", "Spain: State budget", "mezzanine", 800 * M, 0, "PERTE IA 2025"),
    ("it-mezz", "Italy: Cohesion funds", "mezzanine", 600 * M, 150 * M, "PN RIC 2021-2027"),
    ("pl-junior", "Poland: Cohesion funds", "junior", 300 * M, 100 * M, "FENG 2021-2027"),
    ("nordic-senior", "Nordic Infrastructure Partners", "senior", 3000 * M, 1200 * M, "NIP Fund III subscription"),
    ("rhein-mezz", "Rhein-Main AI Capital", "mezzanine", 1500 * M, 500 * M, "RMAC commitment letter"),
]
# A pledge withdrawn before any payment.
WITHDRAWN = ("rhein-senior", "Rhein-Main AI Capital", "senior", 200 * M, "RMAC side letter (cancelled)")
GUARANTEE = ("dep-guarantee", "Digital Europe Programme", "mezzanine", 1000 * M, "EU guarantee agreement 2025/17")
IN_KIND = ("oulu-site", "Oulu Gigafactory Campus (host site)", "junior", 350 * M, "Site, 250 MW grid connection, staff")
# An in-kind entry keyed in ten times too high, then reversed.
IN_KIND_ERROR = ("oulu-typo", "Oulu Gigafactory Campus (host site)", "junior", 3500 * M, "Site valuation (typo)")


def _id(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"demo:{key}")


def _partner_contact() -> User:
    user = User.objects.filter(email=PARTNER_CONTACT_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            PARTNER_CONTACT_EMAIL, PARTNER_CONTACT_PASSWORD, full_name="Paula Partner (Nordic Infrastructure)"
        )
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def _finance_admin() -> User | None:
    user = User.objects.filter(email=FINANCE_ADMIN_EMAIL).first()
    if user is not None and not user.groups.filter(name=PlatformRole.FINANCE_ADMIN).exists():
        user.groups.add(Group.objects.get(name=PlatformRole.FINANCE_ADMIN))
    return user


def seed(stdout) -> None:
    with transaction.atomic():
        fund, _ = Fund.objects.get_or_create(name="InvestAI AI Gigafactories Fund", defaults={"size_cents": 20 * B})
        tranches = {}
        for kind, name, target, expected_return, rank in TRANCHES:
            tranches[kind.value], _ = Tranche.objects.get_or_create(
                fund=fund,
                kind=kind,
                defaults={
                    "name": name,
                    "target_cents": target,
                    "expected_return_bp": expected_return,
                    "risk_rank": rank,
                },
            )
        partners = {}
        for name, kind, country, allowed in PARTNERS:
            partners[name], _ = Partner.objects.get_or_create(name=name, defaults={"kind": kind, "country": country})
            for tranche in allowed:
                tranches[tranche].eligible_partners.add(partners[name])
        contact = _partner_contact()
        partners["Nordic Infrastructure Partners"].contact_users.add(contact)
        dora = _finance_admin()

        def accounts(partner: str, tranche: str, partner_code, tranche_code) -> tuple[int, int]:
            return (
                partner_account(partner=partners[partner], code=partner_code).pk,
                tranche_account(tranche=tranches[tranche], code=tranche_code).pk,
            )

        specs: list[TransferSpec] = []
        cash = (AccountCode.PARTNER_COMMITMENT, AccountCode.TRANCHE_CAPITAL)
        for key, partner, tranche, pledged, paid, reference in PLEDGES:
            debit, credit = accounts(partner, tranche, *cash)
            pledge = TransferSpec(
                id=_id(key),
                debit_account_id=debit,
                credit_account_id=credit,
                amount=pledged,
                code="pledge",
                pending=True,
                user_data=reference,
            )
            specs.append(pledge)
            if paid:
                # A first instalment: post part of the pledge and keep the rest open, as one linked chain.
                specs.append(
                    TransferSpec(
                        id=_id(f"{key}:payment-1"),
                        code="payment",
                        post_pending=True,
                        pending_id=pledge.id,
                        amount=paid,
                        linked=paid < pledged,
                        user_data=f"{reference} instalment 1",
                    )
                )
                if paid < pledged:
                    specs.append(
                        TransferSpec(
                            id=_id(f"{key}:rest"),
                            debit_account_id=debit,
                            credit_account_id=credit,
                            amount=pledged - paid,
                            code="pledge",
                            pending=True,
                            user_data=reference,
                        )
                    )
        key, partner, tranche, amount, reference = WITHDRAWN
        debit, credit = accounts(partner, tranche, *cash)
        specs.append(
            TransferSpec(
                id=_id(key),
                debit_account_id=debit,
                credit_account_id=credit,
                amount=amount,
                code="pledge",
                pending=True,
                user_data=reference,
            )
        )
        specs.append(TransferSpec(id=_id(f"{key}:void"), code="pledge", void_pending=True, pending_id=_id(key)))
        key, partner, tranche, amount, reference = GUARANTEE
        debit, credit = accounts(partner, tranche, AccountCode.PARTNER_GUARANTEE, AccountCode.TRANCHE_GUARANTEE)
        specs.append(
            TransferSpec(
                id=_id(key),
                debit_account_id=debit,
                credit_account_id=credit,
                amount=amount,
                code="guarantee",
                pending=True,
                user_data=reference,
            )
        )
        in_kind_accounts = (AccountCode.PARTNER_IN_KIND, AccountCode.TRANCHE_IN_KIND)
        for key, partner, tranche, amount, reference in (IN_KIND, IN_KIND_ERROR):
            debit, credit = accounts(partner, tranche, *in_kind_accounts)
            specs.append(
                TransferSpec(
                    id=_id(key),
                    debit_account_id=debit,
                    credit_account_id=credit,
                    amount=amount,
                    code="in_kind",
                    user_data=reference,
                )
            )
        key, partner, tranche, amount, _reference = IN_KIND_ERROR
        debit, credit = accounts(partner, tranche, *in_kind_accounts)
        specs.append(
            TransferSpec(
                id=uuid.uuid5(NAMESPACE, f"reversal:{_id(key)}"),  # as services.reversal_id: one reversal only
                debit_account_id=credit,
                credit_account_id=debit,
                amount=amount,
                code="reversal",
                user_data=f"{_id(key)} valuation keyed in ten times too high",
            )
        )
        results = transfers_create(transfers=specs, by=dora)
    refused = [r for r in results if r.result not in (Result.OK, Result.EXISTS)]
    if refused:
        raise RuntimeError(f"demo ledger entries refused: {refused}")
    created = sum(1 for r in results if r.result is Result.OK)
    stdout.write(
        f"Ledger: {fund.name} (EUR 20 bn, 3 tranches), {len(partners)} partners, "
        f"{created} new transfers ({len(results) - created} already present)."
    )
    stdout.write(
        f"Ledger: partner contact {PARTNER_CONTACT_EMAIL} / {PARTNER_CONTACT_PASSWORD} (Nordic Infrastructure)"
    )
    if dora is None:
        stdout.write(f"Ledger: {FINANCE_ADMIN_EMAIL} not found; entries recorded without an author.")
