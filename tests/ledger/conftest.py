"""The ledger's cast: dora (finance admin, with an authenticator, as staff pages require), paula (contact of the
private investor Nordic Infrastructure Partners) and a small fund with three tranches."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from ledger.models import PartnerKind, TrancheKind
from tests.conftest import login_staff
from tests.factories import PartnerFactory, TrancheFactory, UserFactory

EUR = 100  # cents
MILLION = 1_000_000 * EUR


@pytest.fixture
def dora(dora):
    """Finance admin with TOTP set up (the staff-page middleware sends staff without MFA to the set-up)."""
    dora.totp_secret = generate_totp_secret()
    TOTP.activate(dora, dora.totp_secret)
    return dora


@pytest.fixture
def paula(db):
    """Contact user of the private investor Nordic Infrastructure Partners."""
    return UserFactory(email="paula@nordic-infra.se", full_name="Paula Partner")


@pytest.fixture
def nordic(paula):
    return PartnerFactory(
        name="Nordic Infrastructure Partners", kind=PartnerKind.PRIVATE_INVESTOR, country="SE", contacts=[paula]
    )


@pytest.fixture
def commission(db):
    return PartnerFactory(name="Digital Europe Programme", kind=PartnerKind.EU_DIGITAL_EUROPE, country="")


@pytest.fixture
def tranches(nordic, commission):
    senior = TrancheFactory(kind=TrancheKind.SENIOR, name="Senior tranche", risk_rank=1, partners=[nordic])
    mezzanine = TrancheFactory(
        kind=TrancheKind.MEZZANINE,
        name="Mezzanine tranche",
        risk_rank=2,
        target_cents=5_000 * MILLION,
        expected_return_bp=650,
        partners=[nordic, commission],
    )
    junior = TrancheFactory(
        kind=TrancheKind.JUNIOR,
        name="Junior tranche",
        risk_rank=3,
        target_cents=3_000 * MILLION,
        expected_return_bp=100,
        partners=[commission],
    )
    return {"senior": senior, "mezzanine": mezzanine, "junior": junior}


@pytest.fixture
def dora_client(client, dora):
    return login_staff(client, dora)


@pytest.fixture
def paula_client(client, paula, nordic):
    client.force_login(paula)
    return client
