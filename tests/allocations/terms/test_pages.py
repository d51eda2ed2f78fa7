"""The terms pages: everyone reads the current terms; allocation admins (with MFA) manage versions and see who has
not accepted; other staff get 403, everybody else 404."""

import pytest
from django.test import Client

from allocations.models.terms import TermsKind, TermsStatus, TermsVersion
from tests.conftest import login_staff
from tests.factories import UserFactory
from tests.factories.terms import accept_current_terms

STAFF_URLS = ["/staff/terms/", "/staff/terms/new/"]


@pytest.fixture
def draft(carol):
    from allocations.terms import services

    return services.terms_version_create(
        kind=TermsKind.PLATFORM, gigafactory=None, by=carol, title="Terms 2027", body="## New\nText."
    )


def test_anyone_reads_the_current_terms_but_not_a_draft(client, db, platform_terms, draft):
    page = client.get("/terms/").content.decode()
    assert f'href="/terms/versions/{platform_terms.pk}/"' in page and "Accept" not in page
    assert "Use the hours for the project." in client.get(f"/terms/versions/{platform_terms.pk}/").content.decode()
    assert client.get(f"/terms/versions/{draft.pk}/").status_code == 404
    assert client.get("/terms/versions/999999/").status_code == 404
    assert client.get("/terms/?gigafactory=no-such-site").status_code == 404
    assert client.post("/terms/accept/", {}).status_code == 302  # to the sign-in page


def test_a_translated_version_is_read_in_german(client, db, carol):
    from tests.factories.terms import published_terms

    version = published_terms(
        by=carol, title="Terms", body="English.", title_de="Nutzungsbedingungen", body_de="Deutsch."
    )
    page = client.get(f"/terms/versions/{version.pk}/", headers={"Accept-Language": "de"}).content.decode()
    assert "Nutzungsbedingungen" in page and "Deutsch." in page


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_404_for_applicants_403_for_other_staff_and_mfa_first(client, alice, bob, carol, url):
    client.force_login(alice)
    assert client.get(url).status_code == 404
    login_staff(client, UserFactory(email="finance@eurohpc.eu", roles=["finance admin"]))
    assert client.get(url).status_code == 403
    unverified = Client()
    unverified.force_login(carol)  # password only: staff pages ask for TOTP first
    assert "/accounts/2fa/" in unverified.get(url).url
    login_staff(client, carol)
    assert client.get(url).status_code == 200


def test_object_pages_404_for_applicants_and_unknown_versions(client, alice, carol, draft):
    client.force_login(alice)
    for suffix in ("", "edit/"):
        assert client.get(f"/staff/terms/{draft.pk}/{suffix}").status_code == 404
    assert client.post(f"/staff/terms/{draft.pk}/publish/").status_code == 404
    login_staff(client, carol)
    assert client.get("/staff/terms/999999/").status_code == 404
    assert client.get("/staff/terms/999999/edit/").status_code == 404
    assert client.post("/staff/terms/999999/publish/").status_code == 404


def test_carol_writes_edits_and_publishes_a_policy(client, carol, gigafactory):
    login_staff(client, carol)
    form = client.get("/staff/terms/new/?gigafactory=jupiter").content.decode()
    assert 'value="aup" selected' in form
    invalid = client.post("/staff/terms/new/", {"kind": "aup", "title": "Jupiter rules", "body": ""})
    assert invalid.status_code == 400
    page = invalid.content.decode()
    assert 'id="error-summary"' in page and "This field is required" in page

    created = client.post(
        "/staff/terms/new/",
        {"kind": "aup", "gigafactory": gigafactory.pk, "title": "Jupiter rules", "body": "## Rules\nNo mining."},
    )
    version = TermsVersion.objects.get()
    assert created.url == f"/staff/terms/{version.pk}/"
    assert client.post(f"/staff/terms/{version.pk}/edit/", {"title": "", "body": "x"}).status_code == 400
    saved = client.post(f"/staff/terms/{version.pk}/edit/", {"title": "Jupiter rules", "body": "## Rules\nNo mining!"})
    assert saved.status_code == 302
    detail = client.get(saved.url).content.decode()
    assert "No mining!" in detail and "Publish" in detail

    client.post(f"/staff/terms/{version.pk}/publish/")
    version.refresh_from_db()
    assert version.status == TermsStatus.PUBLISHED and version.published_by == carol
    assert client.get(f"/staff/terms/{version.pk}/edit/").url == f"/staff/terms/{version.pk}/"  # fixed now
    republished = client.post(f"/staff/terms/{version.pk}/publish/", follow=True).content.decode()
    assert "already published" in republished


def test_carol_sees_who_has_not_accepted_per_version_and_gigafactory(client, carol, terms, grant, alice, gigafactory):
    platform_terms, _jupiter_policy = terms
    login_staff(client, carol)
    home = client.get("/staff/terms/").content.decode()
    assert "Acceptable-use policy of Jupiter AI Gigafactory" in home
    page = client.get(f"/staff/terms/{platform_terms.pk}/").content.decode()
    # alice accepted both with her grant's offer
    assert 'id="all-accepted"' in page
    newer = TermsVersion.objects.create(
        kind=TermsKind.PLATFORM, number=9, title="x", body="y", created_by=carol, status=TermsStatus.DRAFT
    )
    from allocations.terms import services

    services.terms_version_publish(version_id=newer.pk, by=carol)
    page = client.get(f"/staff/terms/{newer.pk}/").content.decode()
    assert "Alice Applicant" in page and "principal investigator" in page
    assert client.get(f"/staff/terms/{newer.pk}/?gigafactory=no-such").status_code == 404
    accept_current_terms(alice, [gigafactory])
    assert 'id="all-accepted"' in client.get(f"/staff/terms/{newer.pk}/?gigafactory=jupiter").content.decode()


def test_the_staff_home_lists_the_terms_tool_for_allocation_admins(client, carol):
    login_staff(client, carol)
    assert 'href="/staff/terms/"' in client.get("/staff/").content.decode()
