"""ORCID iDs on the profile: the ISO 7064 MOD 11-2 check character, one account per iD, shown to staff."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_11_2

from accounts.models import User
from accounts.validators import normalise_orcid, validate_orcid
from tests.factories import UserFactory

JOSIAH_CARBERRY = "0000-0002-1825-0097"  # ORCID's own example iD
WITH_ZERO_CHECK = "0000-0001-5109-3700"


@pytest.mark.parametrize("orcid", [JOSIAH_CARBERRY, WITH_ZERO_CHECK, "0000-0002-9079-593X"])
def test_real_ids_are_valid(orcid):
    validate_orcid(orcid)


@pytest.mark.parametrize(
    ("pasted", "canonical"),
    [
        ("https://orcid.org/0000-0002-1825-0097", JOSIAH_CARBERRY),
        ("http://www.orcid.org/0000-0002-1825-0097", JOSIAH_CARBERRY),
        (" 0000000218250097 ", JOSIAH_CARBERRY),
        ("0000-0002-9079-593x", "0000-0002-9079-593X"),
        ("not an iD", "not an iD"),
    ],
)
def test_pasted_forms_are_normalised(pasted, canonical):
    assert normalise_orcid(pasted) == canonical


@pytest.mark.parametrize(
    ("orcid", "code"),
    [
        ("0000-0002-1825-0098", "orcid_checksum"),  # last digit mistyped
        ("0000-0002-1852-0097", "orcid_checksum"),  # two digits swapped
        ("0000-0002-1825-009", "orcid_format"),
        ("0000-0002-1825-00X7", "orcid_format"),
        ("orcid.org/0000-0002-1825-0097", "orcid_format"),
    ],
)
def test_bad_ids_are_refused_with_the_reason(orcid, code):
    with pytest.raises(ValidationError) as caught:
        validate_orcid(normalise_orcid(orcid))
    assert caught.value.code == code


@given(st.text(alphabet="0123456789", min_size=15, max_size=15), st.integers(0, 14), st.integers(1, 9))
def test_the_check_character_catches_every_single_digit_error(body, position, shift):
    good = body + mod_11_2.calc_check_digit(body)
    canonical = "-".join(good[i : i + 4] for i in range(0, 16, 4))
    validate_orcid(canonical)
    wrong = body[:position] + str((int(body[position]) + shift) % 10) + body[position + 1 :] + good[-1]
    with pytest.raises(ValidationError):
        validate_orcid("-".join(wrong[i : i + 4] for i in range(0, 16, 4)))


def test_alice_saves_her_orcid_from_the_profile_page_as_she_pasted_it(client, alice):
    client.force_login(alice)
    response = client.post("/profile/", {"full_name": "Alice Applicant", "orcid": "https://orcid.org/0000000218250097"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.orcid == JOSIAH_CARBERRY
    assert JOSIAH_CARBERRY in client.get("/profile/").content.decode()
    assert client.get("/api/v1/me/").json()["orcid"] == JOSIAH_CARBERRY


def test_a_mistyped_orcid_re_renders_the_form_with_the_reason(client, alice):
    client.force_login(alice)
    response = client.post("/profile/", {"full_name": "Alice", "orcid": "0000-0002-1825-0098"})
    assert response.status_code == 400
    assert "check character is wrong" in response.content.decode()
    alice.refresh_from_db()
    assert alice.orcid == "" and alice.full_name == "Alice Applicant"


def test_an_orcid_already_on_another_account_is_refused(client, alice, mallory):
    mallory.orcid = JOSIAH_CARBERRY
    mallory.save(update_fields=["orcid"])
    client.force_login(alice)
    response = client.post("/profile/", {"full_name": "Alice", "orcid": JOSIAH_CARBERRY})
    assert response.status_code == 400
    assert "already on another account" in response.content.decode()


def test_the_database_refuses_a_malformed_or_duplicate_orcid(db):
    User.objects.filter(pk=UserFactory(email="one@example.eu").pk).update(orcid=WITH_ZERO_CHECK)
    other = UserFactory(email="two@example.eu")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=other.pk).update(orcid=WITH_ZERO_CHECK)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=other.pk).update(orcid="0000-0001-5109-37")
    assert User.objects.filter(orcid="").count() == 1  # any number of accounts without an iD
