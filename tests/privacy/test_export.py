"""Download my data: every reference to a person is exported or excluded with a reason, and what an applicant and
a reviewer get names nobody who acted on their applications or reviewed beside them."""

from django.urls import reverse

from privacy.export import export_build
from privacy.registry import EXCLUDED, reference_field, user_references
from privacy.sections import SECTIONS
from tests.privacy.conftest import section, unzip


def test_every_reference_to_a_person_is_exported_or_excluded_with_a_reason():
    covered = [reference for s in SECTIONS for reference in s.covers]
    assert len(covered) == len(set(covered)), "a reference is read by two sections"
    assert not set(covered) & set(EXCLUDED), "a reference is both exported and excluded"
    missing = sorted(set(user_references()) - set(covered) - set(EXCLUDED))
    assert not missing, (
        "These fields point at the user model but the data export neither reads them nor says why not: "
        f"{missing}. Add each to a section's `covers` in privacy/sections.py (or privacy/records.py), or to "
        "privacy.registry.EXCLUDED with the reason."
    )
    stale = sorted((set(covered) | set(EXCLUDED)) - set(user_references()))
    assert not stale, f"registered but no longer a reference to the user model: {stale}"
    assert all(len(reason) > 30 for reason in EXCLUDED.values())


def test_the_walk_finds_foreign_keys_one_to_ones_and_many_to_manys_of_every_app():
    references = user_references()
    kinds = {type(reference_field(r)[1]).__name__ for r in references}
    assert {"ForeignKey", "OneToOneField", "ManyToManyField"} <= kinds
    assert {"account.EmailAddress.user", "reviews.ReviewerProfile.user", "ledger.Partner.contact_users"} <= set(
        references
    )
    assert {r.split(".")[0] for r in references} >= {"accounts", "allocations", "reviews", "ledger", "audit"}


def test_the_zip_has_json_and_csv_for_every_section_and_a_readme(alice):
    files = unzip(export_build(user=alice))
    assert set(files) == {f"{s.name}.{ext}" for s in SECTIONS for ext in ("json", "csv")} | {"README.txt"}
    (profile,) = section(files, "profile")
    assert profile["email"] == "alice@aurora-ai.eu" and profile["full_name"] == "Alice Applicant"
    assert files["profile.csv"].splitlines()[0].startswith("id,email,full_name")
    assert section(files, "organisations")[0]["organisation"] == "Aurora AI OÜ"
    assert "password" not in files["profile.json"] and "key_hash" not in files["api_tokens.json"]


def test_an_applicant_gets_their_application_and_its_history_without_reviewer_or_staff_names(reviewed, alice):
    files = unzip(export_build(user=alice))
    (application,) = section(files, "applications")
    assert application["reference"] == reviewed.reference
    assert "principal investigator" in application["your_part"]
    events = section(files, "application_events")
    assert {e["by"] for e in events} <= {"you", "portal staff", "the portal (automatic)"}
    assert any(e["to"] == "In review" and e["by"] == "portal staff" for e in events)
    everything = "\n".join(files.values())
    for name in ("Bob Reviewer", "bob@uni-lisboa.pt", "Dave Second-Reviewer", "dave@tu-delft.nl", "Carol", "carol@"):
        assert name not in everything
    assert section(files, "reviews") == [] and section(files, "review_assignments") == []


def test_a_reviewer_gets_their_own_review_and_never_the_other_reviewer(reviewed, bob):
    files = unzip(export_build(user=bob))
    (assignment,) = section(files, "review_assignments")
    assert assignment["application"] == reviewed.reference
    (review,) = section(files, "reviews")
    assert review["comment_for_applicant"] == "Comment by Bob Reviewer." and review["comment_for_panel"]
    assert section(files, "reviewer_profile")[0]["research_interests"] == "Estonian NLP"
    assert {e["what"] for e in section(files, "review_events")} >= {"Review submitted"}
    everything = "\n".join(files.values())
    for name in ("Dave Second-Reviewer", "dave@tu-delft.nl", "Comment by Dave", "Carol", "carol@"):
        assert name not in everything


def test_staff_records_list_what_the_person_created_or_decided(reviewed, carol):
    records = section(unzip(export_build(user=carol)), "records")
    kinds = {(r["record"], r["your_part"]) for r in records}
    assert ("eligibility check", "checked by") in kinds
    assert ("review assignment", "assigned by") in kinds


def test_a_cell_that_a_spreadsheet_would_run_is_escaped(alice):
    alice.full_name = "=HYPERLINK(1)"
    alice.save()
    files = unzip(export_build(user=alice))
    assert "'=HYPERLINK(1)" in files["profile.csv"]


def test_the_page_downloads_a_zip_for_the_signed_in_person_only(client, alice, mallory):
    client.force_login(alice)
    page = client.get(reverse("data_rights"))
    assert page.status_code == 200 and b"Download my data" in page.content
    response = client.post(reverse("data_export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment;" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    files = unzip(response.content)
    assert section(files, "profile")[0]["email"] == "alice@aurora-ai.eu"
    assert "mallory" not in "\n".join(files.values())
    assert client.get(reverse("data_export")).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ("data_rights", "data_export", "account_erase"):
        response = client.post(reverse(name)) if name != "data_rights" else client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_api_exports_the_token_holders_data(alice):
    from rest_framework.test import APIClient

    from accounts.tokens import api_token_create

    _token, key = api_token_create(user=alice, name="script", scopes={"read"})
    api = APIClient()
    assert api.get("/api/v1/me/export/").status_code == 401
    response = api.get("/api/v1/me/export/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert section(unzip(response.content), "api_tokens")[0]["name"] == "script"


def test_the_export_takes_the_same_number_of_queries_for_one_application_or_five(
    reviewed, alice, alice_org, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CallFactory
    from tests.factories.reviews import submitted_application

    with CaptureQueriesContext(connection) as one:
        export_build(user=alice)
    for _ in range(4):
        submitted_application(call=CallFactory(), organisation=alice_org, pi=alice)
    with django_assert_max_num_queries(len(one.captured_queries)):
        export_build(user=alice)
    assert len(one.captured_queries) <= 70
