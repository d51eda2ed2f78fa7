"""`manage.py seed_demo`: idempotent demo data whose logins work."""

import io
import sys
import types

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from stdnum.eu import vat as eu_vat

from accounts import demo as accounts_demo
from accounts.demo import ALICE, BOB, CAROL, DEMO_PASSWORD, DORA, ORGANISATIONS
from accounts.models import Membership, MembershipRole, Organisation, OrganisationType, User
from accounts.roles import PlatformRole
from accounts.validators import validate_vat
from portal.management.commands.seed_demo import demo_seeders


def _seed() -> str:
    """The command's quick set: accounts and every other app's demo data (the history has its own tests)."""
    out = io.StringIO()
    call_command("seed_demo", "--force", "--small", stdout=out)
    return out.getvalue()


def _seed_accounts() -> None:
    """Only the users and organisations (faster, for tests about them)."""
    accounts_demo.seed(io.StringIO())


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        EmailAddress.objects.count(),
        User.groups.through.objects.count(),
    )


@pytest.mark.django_db
def test_seeding_twice_creates_nothing_new():
    first = _seed()
    counts = _counts()
    second = _seed()
    assert _counts() == counts
    assert "(14 new)" in first
    assert "(0 new)" in second
    assert counts[1] == len(ORGANISATIONS)


@pytest.mark.django_db
def test_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_runs_without_force_in_debug(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", "--small", stdout=out)
    assert User.objects.filter(email=ALICE).exists()
    assert DEMO_PASSWORD in out.getvalue()  # the command prints the logins


@pytest.mark.django_db
def test_alice_logs_in_with_the_demo_password_and_not_with_another(client):
    _seed_accounts()
    response = client.post("/accounts/login/", {"login": ALICE, "password": "not-the-demo-password"})
    assert response.status_code != 302
    response = client.post("/accounts/login/", {"login": ALICE, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert client.get("/profile/").context["user"].email == ALICE


@pytest.mark.django_db
def test_cast_has_its_roles_orgs_and_verified_emails():
    _seed_accounts()
    alice = User.objects.get(email=ALICE)
    aurora = Organisation.objects.get(legal_name="Aurora AI OÜ")
    assert (aurora.country.code, aurora.type) == ("EE", OrganisationType.STARTUP)
    assert Membership.objects.get(user=alice, organisation=aurora).role == MembershipRole.OWNER
    bob = User.objects.get(email=BOB)
    assert bob.groups.filter(name=PlatformRole.REVIEWER).exists()
    assert bob.organisations.get().type == OrganisationType.UNIVERSITY
    carol_groups = set(User.objects.get(email=CAROL).groups.values_list("name", flat=True))
    assert carol_groups == {PlatformRole.CALL_MANAGER, PlatformRole.ALLOCATION_ADMIN}
    assert set(User.objects.get(email=DORA).groups.values_list("name", flat=True)) == {PlatformRole.FINANCE_ADMIN}
    assert User.objects.get(email="admin@demo.gigafactory.eu").is_superuser
    assert not EmailAddress.objects.filter(verified=False).exists()
    assert EmailAddress.objects.filter(primary=True).count() == User.objects.count()
    # Every organisation has an owner.
    assert not Organisation.objects.exclude(memberships__role=MembershipRole.OWNER).exists()


@pytest.mark.django_db
def test_every_organisation_type_in_several_countries_with_valid_identifiers():
    _seed_accounts()
    organisations = list(Organisation.objects.filter(legal_name__in=[spec.legal_name for spec in ORGANISATIONS]))
    assert len(organisations) == len(ORGANISATIONS)
    assert {o.type for o in organisations} == set(OrganisationType.values)
    countries = {o.country.code for o in organisations}
    assert len(countries) >= 8
    assert {"NO", "CH"} <= countries  # Horizon Europe associated countries too
    for organisation in organisations:
        organisation.full_clean()
        assert len(organisation.pic) == 9 and organisation.pic.isdigit()
        assert organisation.vat_number
        validate_vat(organisation.vat_number, organisation.country.code)
        if organisation.country.code not in {"NO", "CH"}:
            assert eu_vat.is_valid(organisation.vat_number), organisation.vat_number


def test_demo_vat_numbers_fail_with_a_changed_digit():
    """The check digits are real: changing the last digit makes python-stdnum refuse the number."""
    checked = 0
    for spec in ORGANISATIONS:
        # Dutch numbers end in a branch suffix (B01); the others end in their check digit.
        if spec.vat_number and spec.vat_number[-1].isdigit() and spec.country != "NL":
            checked += 1
            changed = spec.vat_number[:-1] + str((int(spec.vat_number[-1]) + 1) % 10)
            assert not eu_vat.is_valid(changed), changed
    assert checked >= 6


@pytest.mark.django_db
def test_missing_role_groups_fail_loudly():
    Group.objects.filter(name=PlatformRole.REVIEWER).delete()
    with pytest.raises(RuntimeError, match="migrate"):
        _seed_accounts()


def test_seeders_skip_missing_modules_and_modules_without_seed(monkeypatch):
    calls = []
    with_seed = types.ModuleType("demo_with_seed")
    with_seed.seed = lambda stdout: calls.append(stdout)
    monkeypatch.setitem(sys.modules, "demo_with_seed", with_seed)
    monkeypatch.setitem(sys.modules, "demo_without_seed", types.ModuleType("demo_without_seed"))
    found = demo_seeders(("demo_with_seed", "demo_without_seed", "no_such_app.demo", "accounts.demo"))
    assert [name for name, _ in found] == ["demo_with_seed", "accounts.demo"]


def test_an_import_error_inside_a_demo_module_is_not_hidden(monkeypatch, tmp_path):
    (tmp_path / "broken_demo.py").write_text("import module_that_does_not_exist_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        demo_seeders(("broken_demo",))
