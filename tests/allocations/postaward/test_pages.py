"""The final report pages: the PI's form (reachable from "My grants" and the grant page), its errors re-rendered
with a summary and ARIA wiring, read-only for colleagues, 404 for other users; the staff list with filters and
pages, and the staff detail (call managers and allocation admins with MFA)."""

import datetime as dt

import pytest
from django.utils import timezone

from allocations.models.reports import FinalReport, ReportStatus
from allocations.postaward.reports import services
from tests.allocations.postaward.conftest import award_of, end_award
from tests.allocations.postaward.test_final_reports import save
from tests.conftest import activate_totp, login_staff
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


def form_data(**overrides) -> dict:
    data = {
        "achievements": "A 7B speech model.",
        "hours_usage": "Pre-training and fine-tuning.",
        "acknowledgement_confirmed": "on",
        "publications-TOTAL_FORMS": "2",
        "publications-INITIAL_FORMS": "0",
        "publications-0-doi": "10.1234/aurora.1",
        "publications-0-title": "Aurora speech",
        "publications-0-venue": "Interspeech",
        "publications-0-year": "2027",
        "publications-1-doi": "",
        "publications-1-title": "",
        "publications-1-venue": "",
        "publications-1-year": "",
        "outputs-TOTAL_FORMS": "1",
        "outputs-INITIAL_FORMS": "0",
        "outputs-0-kind": "model",
        "outputs-0-title": "",
        "outputs-0-url": "",
        "outputs-0-licence": "",
    }
    return data | overrides


def test_my_grants_and_the_grant_page_link_the_report(report, alice, client):
    client.force_login(alice)
    grants = client.get("/grants/").content.decode()
    assert f'href="/final-reports/{report.pk}/"' in grants and "Final report, due" in grants
    grant = report.award.slices.first()
    assert f'href="/final-reports/{report.pk}/"' in client.get(f"/grants/{grant.pk}/").content.decode()


def test_the_pi_saves_and_submits_through_the_form(report, alice, client):
    client.force_login(alice)
    page = client.get(f"/final-reports/{report.pk}/")
    assert page.status_code == 200 and b"publications-1-doi" in page.content  # two empty rows to start with
    response = client.post(f"/final-reports/{report.pk}/", form_data(save=""))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and list(report.publications.values_list("doi", flat=True)) == [
        "10.1234/aurora.1"
    ]
    page = client.get(f"/final-reports/{report.pk}/").content.decode()
    assert "publications-2-doi" in page and 'value="10.1234/aurora.1"' in page  # the saved row, two empty
    response = client.post(f"/final-reports/{report.pk}/", form_data(submit=""))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    page = client.get(f"/final-reports/{report.pk}/").content.decode()
    assert "Submitted on" in page and "<form" not in page.split("<main")[-1].split("</main>")[0]


def test_errors_re_render_with_a_summary_and_aria(report, alice, client):
    client.force_login(alice)
    data = form_data(
        submit="",
        achievements="word " * 1001,
        acknowledgement_confirmed="",
        **{
            "publications-1-doi": "https://doi.org/10.1234/AURORA.1",
            "publications-1-title": "Twin",
            "publications-1-year": "2027",
            "outputs-0-title": "aurora-7b",
            "outputs-0-url": "not a url",
        },
    )
    response = client.post(f"/final-reports/{report.pk}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert "Write at most 1000 words (now 1001)." in page
    assert 'href="#id_outputs-0-url"' in page
    assert 'aria-describedby="id_achievements_errors id_achievements_helptext"' in page
    assert not report.publications.exists()  # nothing saved
    # the form errors fixed, the service still finds the DOI listed twice, on its row
    data |= {"achievements": "Fine.", "outputs-0-url": "https://huggingface.co/aurora/7b", "outputs-0-licence": "MIT"}
    page = client.post(f"/final-reports/{report.pk}/", data).content.decode()
    assert "The DOI 10.1234/AURORA.1 is already listed (publication 1)." in page
    assert 'href="#id_publications-1-doi"' in page
    assert 'aria-describedby="id_publications-1-doi_errors id_publications-1-doi_helptext"' in page


def test_colleagues_read_and_others_get_404(report, alice, alice_org, client, mallory):
    colleague = UserFactory(email="kadri@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague)
    save(report, alice)
    client.force_login(colleague)
    page = client.get(f"/final-reports/{report.pk}/")
    assert page.status_code == 200 and b"The principal investigator writes" in page.content
    assert b"10.1234/aurora.2027.1" in page.content
    assert client.post(f"/final-reports/{report.pk}/", form_data(save="")).status_code == 403
    client.force_login(mallory)
    assert client.get(f"/final-reports/{report.pk}/").status_code == 404
    assert client.post(f"/final-reports/{report.pk}/", form_data(save="")).status_code == 404
    assert client.get("/final-reports/999999/").status_code == 404


@pytest.fixture
def reports(report, carol, alice, gigafactory):
    """alice's report (not yet due, with publications), one overdue and one submitted from other organisations."""
    save(report, alice)
    made = {"due": report}
    for name in ("overdue", "submitted"):
        pi = UserFactory(email=f"{name}@lab.example")
        organisation = OrganisationFactory(legal_name=f"{name.title()} Lab")
        MembershipFactory(organisation=organisation, user=pi, role="owner")
        award = award_of(
            carol=carol, gigafactory=gigafactory, pi=pi, organisation=organisation, title=f"{name} project"
        )
        end_award(award, ends_before=timezone.localdate() - dt.timedelta(days=90))
        services.final_reports_open()
        made[name] = FinalReport.objects.get(award=award)
    save(made["submitted"], made["submitted"].award.application.pi)
    services.final_report_submit(report_id=made["submitted"].pk, by=made["submitted"].award.application.pi)
    return made


def test_the_staff_list_filters_and_pages(reports, carol, client, django_assert_max_num_queries, settings):
    login_staff(client, carol)
    with django_assert_max_num_queries(20):
        page = client.get("/staff/final-reports/")
    assert page.status_code == 200
    body = page.content.decode()
    assert all(r.award.application.reference in body for r in reports.values())
    overdue = client.get("/staff/final-reports/?state=overdue").content.decode()
    assert "overdue project" in overdue and "submitted project" not in overdue and "Baltic" not in overdue
    submitted = client.get("/staff/final-reports/?state=submitted").content.decode()
    assert "submitted project" in submitted and "overdue project" not in submitted
    assert "Baltic" in client.get("/staff/final-reports/?q=baltic").content.decode()
    assert client.get("/staff/final-reports/?state=nonsense").status_code == 400
    assert client.get("/staff/final-reports/?page=99").status_code == 200  # the last page
    detail = client.get(f"/staff/final-reports/{reports['submitted'].pk}/")
    assert detail.status_code == 200 and b"10.1234/aurora.2027.1" in detail.content


def test_the_staff_pages_paginate(reports, carol, client, monkeypatch):
    from allocations.postaward.reports import views

    monkeypatch.setattr(views, "STAFF_PAGE_SIZE", 2)
    login_staff(client, carol)
    first = client.get("/staff/final-reports/").content.decode()
    assert "Page 1 of 2" in first and "page=2" in first
    assert "Page 2 of 2" in client.get("/staff/final-reports/?page=2").content.decode()


def test_staff_pages_are_for_call_managers_and_allocation_admins(report, client, alice, bob):
    client.force_login(alice)
    assert client.get("/staff/final-reports/").status_code in (302, 404)
    login_staff(client, activate_totp(bob))  # a reviewer
    assert client.get("/staff/final-reports/").status_code == 403
    assert client.get(f"/staff/final-reports/{report.pk}/").status_code == 403


def test_the_admin_shows_reports_read_only(report, alice, client):
    from tests.factories import UserFactory as Users

    root = activate_totp(Users(email="root@eurohpc.eu", is_staff=True, is_superuser=True))
    save(report, alice)
    login_staff(client, root)
    assert client.get("/admin/allocations/finalreport/").status_code == 200
    page = client.get(f"/admin/allocations/finalreport/{report.pk}/change/")
    assert page.status_code == 200 and b"10.1234/aurora.2027.1" in page.content
    assert client.get("/admin/allocations/finalreport/add/").status_code == 403
