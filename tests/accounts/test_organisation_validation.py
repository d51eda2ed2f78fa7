"""Bad organisation input is a form error on the page and a 400 with field errors on the API, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.models import Organisation
from accounts.validators import normalise_vat, validate_pic, validate_vat

VALID = {"legal_name": "Nordlys Compute AS", "country": "BE", "type": "startup", "vat_number": "BE0403170701"}

# (field values, field with the error, part of the message the applicant reads)
BAD_INPUT = [
    pytest.param({"vat_number": "BE0403170702"}, "vat_number", "check digit", id="vat-check-digit"),
    pytest.param(
        {"country": "DE", "vat_number": "FR40303265045"}, "vat_number", "in Germany starts with DE", id="vat-prefix"
    ),
    pytest.param({"vat_number": "BE04031707"}, "vat_number", "wrong length", id="vat-length"),
    pytest.param({"pic": "12345ABC9"}, "pic", "exactly 9 digits", id="pic-letters"),
    pytest.param({"pic": "12345678"}, "pic", "exactly 9 digits", id="pic-short"),
    pytest.param({"country": "US", "vat_number": ""}, "country", "Horizon Europe associated", id="country-ineligible"),
    pytest.param({"country": "ZZ", "vat_number": ""}, "country", "Horizon Europe associated", id="country-unknown"),
    pytest.param({"founded_on": "2999-01-01"}, "founded_on", "future", id="founded-in-future"),
    pytest.param({"type": "hedge-fund"}, "type", "valid choice", id="type-unknown"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_a_form_error(client, alice, change, field, message):
    client.force_login(alice)
    response = client.post("/organisations/new/", {**VALID, **change})
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert not Organisation.objects.filter(legal_name=VALID["legal_name"]).exists()


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_an_api_400_with_field_errors(client, alice, change, field, message):
    client.force_login(alice)
    response = client.post("/api/v1/organisations/", {**VALID, **change}, content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert message in " ".join(body[field])
    assert not Organisation.objects.filter(legal_name=VALID["legal_name"]).exists()


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_on_edit_is_a_form_error_and_an_api_400(client, alice, alice_org, change, field, message):
    client.force_login(alice)
    response = client.post(f"/organisations/{alice_org.pk}/edit/", {**VALID, **change})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    # The heading keeps the saved name while the form shows the rejected input.
    assert "Edit Aurora AI OÜ" in response.content.decode()

    patch = {"country": "BE", **change}
    response = client.patch(f"/api/v1/organisations/{alice_org.pk}/", patch, content_type="application/json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    alice_org.refresh_from_db()
    assert alice_org.country == "EE"


def test_valid_registration_makes_the_creator_owner(client, mallory):
    client.force_login(mallory)
    response = client.post("/organisations/new/", {**VALID, "vat_number": "0403 170 701", "pic": "912345678"})
    organisation = Organisation.objects.get(legal_name=VALID["legal_name"])
    assert response.status_code == 302
    assert response.url == f"/organisations/{organisation.pk}/"
    assert organisation.vat_number == "BE0403170701"  # compacted, prefix added
    assert organisation.memberships.get().user == mallory
    assert organisation.memberships.get().role == "owner"


def test_api_create_returns_the_organisation_with_my_role(client, mallory):
    client.force_login(mallory)
    response = client.post("/api/v1/organisations/", {**VALID, "pic": "912345678"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["my_role"] == "owner"
    assert body["member_count"] == 1
    assert body["vat_number"] == "BE0403170701"


def test_a_vat_number_is_registered_once(client, alice, mallory):
    services.organisation_create(by=alice, **VALID)
    client.force_login(mallory)
    response = client.post("/organisations/new/", {**VALID, "legal_name": "Copy BV"})
    assert response.status_code == 400
    assert "already registered" in " ".join(response.context["form"].errors["vat_number"])
    response = client.post(
        "/api/v1/organisations/", {**VALID, "legal_name": "Copy BV"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "already registered" in response.json()["vat_number"][0]


def test_malformed_json_and_wrong_types_are_400(client, alice):
    client.force_login(alice)
    response = client.post("/api/v1/organisations/", "{not json", content_type="application/json")
    assert response.status_code == 400
    response = client.post(
        "/api/v1/organisations/", {**VALID, "founded_on": "yesterday", "pic": 12}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "founded_on" in response.json()


def test_vat_rules_without_django():
    validate_vat("BE0403170701", "BE")
    validate_vat("DE136695976", "DE")
    validate_vat("EL094259216", "GR")  # Greece uses the EL prefix
    with pytest.raises(ValidationError, match="starts with EL"):
        validate_vat("GR094259216", "GR")
    with pytest.raises(ValidationError, match="check digit"):
        validate_vat("DE136695977", "DE")
    validate_vat(normalise_vat("CHE-116.281.710 MWST", "CH"), "CH")  # associated countries: national format
    validate_vat(normalise_vat("GB 980 780 684", "GB"), "GB")
    validate_vat(normalise_vat("980780684", "GB"), "GB")
    with pytest.raises(ValidationError, match="check digit"):
        validate_vat("CHE116281711MWST", "CH")
    with pytest.raises(ValidationError, match="Switzerland"):
        validate_vat("CHE11628171MWST", "CH")
    assert normalise_vat("136 695 976", "DE") == "DE136695976"
    assert normalise_vat("094259216", "GR") == "EL094259216"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFxyz -", min_size=1, max_size=12))
def test_pic_is_nine_digits_or_refused(value):
    if len(value) == 9 and value.isdigit():
        validate_pic(value)
    else:
        with pytest.raises(ValidationError):
            validate_pic(value)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=25), st.sampled_from(["BE", "DE", "EE", "GR", "NO", "CH", "GB", "UA", "XK"]))
def test_any_vat_input_is_accepted_or_refused_with_a_message(value, country):
    """Arbitrary text never crashes the check: it passes or raises a ValidationError with a message."""
    compact = normalise_vat(value, country)
    try:
        validate_vat(compact, country)
    except ValidationError as exc:
        assert exc.messages and all(exc.messages)
