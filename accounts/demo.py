"""Demo users and organisations for development (`python manage.py seed_demo`). Idempotent.

Every organisation type appears, in EU member states and Horizon Europe associated countries. VAT numbers
are fictitious but carry correct check digits, so python-stdnum accepts them like real ones; PICs are
9 digits. Other apps' demo modules find the cast by the e-mail addresses below (``ALICE``, ``BOB``, ...).
"""

import datetime
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Membership, MembershipRole, Organisation, OrganisationType, User
from accounts.roles import PlatformRole

# One password for every demo account; printed by `seed_demo` and `make run`. Never used outside DEBUG.
DEMO_PASSWORD = "demo-Gigafactory-2026"  # noqa: S105 - published demo credential

ALICE = "alice@demo.gigafactory.eu"
BOB = "bob@demo.gigafactory.eu"
CAROL = "carol@demo.gigafactory.eu"
DORA = "dora@demo.gigafactory.eu"
ADMIN = "admin@demo.gigafactory.eu"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    description: str
    roles: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class DemoOrganisation:
    legal_name: str
    short_name: str
    country: str
    type: str
    vat_number: str
    pic: str
    website: str
    founded_on: datetime.date
    owner: str
    members: tuple[str, ...] = field(default=())


# The cast printed with the demo logins.
CAST = (
    DemoUser(ALICE, "Alice Tamm", "applicant (PI), owner of the start-up Aurora AI OÜ, Estonia"),
    DemoUser(BOB, "Bob Ribeiro", "reviewer, member of Universidade do Tejo", roles=(PlatformRole.REVIEWER,)),
    DemoUser(
        CAROL,
        "Carol Janssens",
        "call manager and allocation admin",
        roles=(PlatformRole.CALL_MANAGER, PlatformRole.ALLOCATION_ADMIN),
        is_staff=True,
    ),
    DemoUser(DORA, "Dora Schmidt", "finance admin", roles=(PlatformRole.FINANCE_ADMIN,), is_staff=True),
    DemoUser(ADMIN, "Portal Administrator", "superuser (Django admin)", is_staff=True, is_superuser=True),
)

# Owners of the other demo organisations: applicants for other apps' demo data.
APPLICANTS = (
    DemoUser("emil@demo.gigafactory.eu", "Emil Becker", "owner of Bergwerk Robotik GmbH"),
    DemoUser("fleur@demo.gigafactory.eu", "Fleur Martin", "owner of Helios Industrie SA"),
    DemoUser("ines@demo.gigafactory.eu", "Inês Carvalho", "owner of Universidade do Tejo"),
    DemoUser("joost@demo.gigafactory.eu", "Joost de Vries", "owner of Instituut voor Lerende Systemen"),
    DemoUser("lea@demo.gigafactory.eu", "Léa Dubois", "owner of Agence wallonne du calcul"),
    DemoUser("marc@demo.gigafactory.eu", "Marc Puig", "owner of Fundació Dades Obertes"),
    DemoUser("ola@demo.gigafactory.eu", "Ola Nowak", "owner of Wisła Vision sp. z o.o."),
    DemoUser("nora@demo.gigafactory.eu", "Nora Hansen", "owner of Nordlys Analytics AS"),
    DemoUser("urs@demo.gigafactory.eu", "Urs Keller", "owner of Alpenblick KI AG"),
)

T = OrganisationType
ORGANISATIONS = (
    DemoOrganisation(
        "Aurora AI OÜ", "Aurora AI", "EE", T.STARTUP, "EE101234500", "999100017",
        "https://aurora-ai.example.eu", datetime.date(2023, 3, 14), owner=ALICE,
    ),
    DemoOrganisation(
        "Bergwerk Robotik GmbH", "Bergwerk", "DE", T.SME, "DE271831404", "999100026",
        "https://bergwerk-robotik.example.eu", datetime.date(2011, 6, 1), owner="emil@demo.gigafactory.eu",
    ),
    DemoOrganisation(
        "Helios Industrie SA", "Helios", "FR", T.LARGE, "FR41281234567", "999100035",
        "https://helios-industrie.example.eu", datetime.date(1968, 9, 30), owner="fleur@demo.gigafactory.eu",
    ),
    DemoOrganisation(
        "Universidade do Tejo", "U. Tejo", "PT", T.UNIVERSITY, "PT503141500", "999100044",
        "https://u-tejo.example.eu", datetime.date(1911, 3, 22), owner="ines@demo.gigafactory.eu", members=(BOB,),
    ),
    DemoOrganisation(
        "Instituut voor Lerende Systemen", "ILS", "NL", T.RESEARCH, "NL812331400B01", "999100053",
        "https://ils.example.eu", datetime.date(1987, 1, 15), owner="joost@demo.gigafactory.eu",
    ),
    DemoOrganisation(
        "Agence wallonne du calcul", "AWC", "BE", T.PUBLIC, "BE0703141518", "999100062",
        "https://awc.example.eu", datetime.date(2019, 5, 1), owner="lea@demo.gigafactory.eu",
    ),
    DemoOrganisation(
        "Fundació Dades Obertes", "Dades Obertes", "ES", T.NONPROFIT, "ESG63141501", "999100071",
        "https://dades-obertes.example.eu", datetime.date(2015, 10, 10), owner="marc@demo.gigafactory.eu",
    ),
    DemoOrganisation(
        "Wisła Vision sp. z o.o.", "Wisła Vision", "PL", T.SME, "PL5231415904", "999100080",
        "https://wisla-vision.example.eu", datetime.date(2020, 2, 2), owner="ola@demo.gigafactory.eu",
    ),
    # Horizon Europe associated countries.
    DemoOrganisation(
        "Nordlys Analytics AS", "Nordlys", "NO", T.STARTUP, "NO923140018MVA", "999100099",
        "https://nordlys.example.eu", datetime.date(2024, 1, 8), owner="nora@demo.gigafactory.eu",
    ),
    DemoOrganisation(
        "Alpenblick KI AG", "Alpenblick", "CH", T.SME, "CHE123456707MWST", "999100105",
        "https://alpenblick.example.eu", datetime.date(2016, 4, 4), owner="urs@demo.gigafactory.eu",
    ),
)  # fmt: skip


def _ensure_user(spec: DemoUser, password_hash: str) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        email=spec.email,
        defaults={
            "full_name": spec.full_name,
            "password": password_hash,
            "is_staff": spec.is_staff,
            "is_superuser": spec.is_superuser,
        },
    )
    if spec.roles:
        groups = list(Group.objects.filter(name__in=spec.roles))
        if len(groups) != len(spec.roles):
            raise RuntimeError("Platform role groups are missing; run `manage.py migrate` first.")
        user.groups.add(*groups)
    EmailAddress.objects.update_or_create(user=user, email=spec.email, defaults={"verified": True, "primary": True})
    return user, created


def _ensure_organisation(spec: DemoOrganisation, users: dict[str, User]) -> tuple[Organisation, bool]:
    organisation = Organisation.objects.filter(legal_name=spec.legal_name, country=spec.country).first()
    created = organisation is None
    if created:
        organisation = Organisation(
            legal_name=spec.legal_name,
            short_name=spec.short_name,
            country=spec.country,
            type=spec.type,
            vat_number=spec.vat_number,
            pic=spec.pic,
            website=spec.website,
            founded_on=spec.founded_on,
        )
        organisation.full_clean()  # the same VAT/PIC checks as the sign-up form
        organisation.save()
    Membership.objects.get_or_create(
        organisation=organisation, user=users[spec.owner], defaults={"role": MembershipRole.OWNER}
    )
    for email in spec.members:
        Membership.objects.get_or_create(
            organisation=organisation, user=users[email], defaults={"role": MembershipRole.MEMBER}
        )
    return organisation, created


def seed(stdout) -> None:
    """Create (or complete) the demo users and organisations in one transaction; running it again adds nothing.

    Passwords are set only when a user is created, so a password changed since is kept.
    """
    with transaction.atomic():
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: all demo users share it
        users: dict[str, User] = {}
        new_users = 0
        for spec in (*CAST, *APPLICANTS):
            users[spec.email], created = _ensure_user(spec, password_hash)
            new_users += created
        new_organisations = 0
        for spec in ORGANISATIONS:
            _, created = _ensure_organisation(spec, users)
            new_organisations += created
    stdout.write(
        f"accounts: {len(users)} demo users ({new_users} new), "
        f"{len(ORGANISATIONS)} organisations ({new_organisations} new)\n"
    )
