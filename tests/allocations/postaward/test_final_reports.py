"""Final reports: opened once when an accepted award's last slice ends, due a set number of days later; the PI's
draft with its word limit, DOI validation and de-duplication; submission with every missing part at once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from allocations.models.capacity import Grant, GrantStatus
from allocations.models.reports import FinalReport, Publication, ReportStatus
from allocations.postaward.reports import services
from tests.allocations.postaward.conftest import award_of, end_award
from tests.conftest import emails_queued, queued_tasks
from tests.factories import MembershipFactory, UserFactory

TODAY = timezone.localdate()


def draft(**overrides) -> dict:
    values = {
        "achievements": "We trained a 7B speech model for Estonian and Finnish.",
        "hours_usage": "Pre-training on 256 GPUs, then fine-tuning and evaluation.",
        "acknowledgement_confirmed": True,
        "publications": [
            {"doi": "10.1234/aurora.2027.1", "title": "Aurora speech", "venue": "Interspeech", "year": 2027},
            {"doi": "https://doi.org/10.48550/arXiv.2701.00001", "title": "Scaling Baltic ASR", "year": 2027},
        ],
        "outputs": [
            {"kind": "model", "title": "aurora-7b", "url": "https://huggingface.co/aurora/7b", "licence": "MIT"}
        ],
    }
    return values | overrides


def save(report, by, **overrides):
    return services.final_report_save(report_id=report.pk, by=by, **draft(**overrides))


def test_a_report_opens_once_when_the_award_ends_and_is_due_60_days_later(carol, alice, alice_org, gigafactory):
    award = award_of(carol=carol, gigafactory=gigafactory, pi=alice, organisation=alice_org)
    ends_before = award.ends_on
    assert services.final_reports_open(today=ends_before - dt.timedelta(days=1)) == 0  # the last day of access
    assert services.final_reports_open(today=ends_before) == 1
    assert services.final_reports_open(today=ends_before + dt.timedelta(days=5)) == 0  # once
    report = FinalReport.objects.get(award=award)
    assert (report.status, report.due_on) == (ReportStatus.DRAFT, ends_before + dt.timedelta(days=59))


def test_the_due_date_follows_the_setting_and_an_extension_of_the_last_slice(
    settings, carol, alice, alice_org, gigafactory
):
    settings.FINAL_REPORT_DUE_DAYS = 30
    award = end_award(
        award_of(carol=carol, gigafactory=gigafactory, pi=alice, organisation=alice_org),
        ends_before=dt.date(2026, 10, 1),
    )
    services.final_reports_open(today=dt.date(2026, 10, 2))
    assert award.final_report.due_on == dt.date(2026, 10, 30)
    Grant.objects.filter(award=award).update(ends_on=dt.date(2026, 11, 1))  # the last slice was extended
    services.final_reports_open(today=dt.date(2026, 10, 3))
    award.final_report.refresh_from_db()
    assert award.final_report.due_on == dt.date(2026, 11, 30)


def test_declined_awards_owe_no_report(carol, alice, alice_org, gigafactory):
    award = end_award(
        award_of(carol=carol, gigafactory=gigafactory, pi=alice, organisation=alice_org),
        ends_before=TODAY - dt.timedelta(days=1),
    )
    Grant.objects.filter(award=award).update(status=GrantStatus.DECLINED)
    assert services.final_reports_open() == 0
    Grant.objects.filter(award=award).update(status=GrantStatus.CLOSED)
    assert services.final_reports_open() == 1


def test_the_pi_saves_a_draft_with_publications_and_outputs(report, alice):
    save(report, alice)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.acknowledgement_confirmed
    assert list(report.publications.values_list("doi", "venue", "position")) == [
        ("10.1234/aurora.2027.1", "Interspeech", 0),
        ("10.48550/arXiv.2701.00001", "", 1),  # the resolver link is stripped
    ]
    (output,) = report.outputs.all()
    assert (output.kind, output.url, output.licence) == ("model", "https://huggingface.co/aurora/7b", "MIT")
    save(report, alice, publications=[], outputs=[])  # the lists are replaced as a whole
    assert not report.publications.exists() and not report.outputs.exists()


@pytest.mark.parametrize("doi", ["10.12/short-registrant", "11.1234/x", "10.1234", "10.1234/", "doi 10.1234/x y", ""])
def test_a_malformed_doi_is_refused_with_its_row(report, alice, doi):
    publications = [draft()["publications"][0], {"doi": doi, "title": "Bad", "year": 2027}]
    with pytest.raises(ValidationError) as refused:
        save(report, alice, publications=publications)
    assert list(refused.value.message_dict) == ["publications.1.doi"]
    assert not report.publications.exists()


@pytest.mark.parametrize(
    "twin", ["10.1234/AURORA.2027.1", "https://doi.org/10.1234/aurora.2027.1", "doi:10.1234/aurora.2027.1"]
)
def test_a_doi_listed_twice_is_refused_whatever_its_case_or_prefix(report, alice, twin):
    publications = [draft()["publications"][0], {"doi": twin, "title": "Twin", "year": 2027}]
    with pytest.raises(ValidationError) as refused:
        save(report, alice, publications=publications)
    assert refused.value.message_dict == {
        "publications.1.doi": [
            f"The DOI {twin.split('org/')[-1].removeprefix('doi:')} is already listed (publication 1)."
        ]
    }


def test_the_database_keeps_each_doi_once_per_report(report):
    Publication.objects.create(report=report, doi="10.1234/abc", title="One", year=2027)
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(report=report, doi="10.1234/ABC", title="Two", year=2027)


def test_achievements_have_a_word_limit(report, alice):
    with pytest.raises(ValidationError) as refused:
        save(report, alice, achievements="word " * 1001)
    assert refused.value.message_dict == {"achievements": ["Write at most 1000 words (now 1001)."]}
    save(report, alice, achievements="word " * 1000)


def test_submit_needs_every_part_and_then_the_report_is_read_only(report, alice):
    save(report, alice, achievements=" ", hours_usage="", acknowledgement_confirmed=False)
    with pytest.raises(ValidationError) as refused:
        services.final_report_submit(report_id=report.pk, by=alice)
    assert set(refused.value.message_dict) == {"achievements", "hours_usage", "acknowledgement_confirmed"}
    save(report, alice)
    with queued_tasks() as tasks:
        services.final_report_submit(report_id=report.pk, by=alice)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == alice
    (email,) = emails_queued(tasks, subject="submitted")
    assert email["to"] == [alice.email] and f"/final-reports/{report.pk}/" in email["body"]
    with pytest.raises(ValidationError, match="can no longer be changed"):
        save(report, alice)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.final_report_submit(report_id=report.pk, by=alice)


def test_only_the_pi_writes_the_report(report, alice_org, carol, mallory):
    colleague = UserFactory(email="kadri@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague)
    for user in (colleague, carol, mallory):
        with pytest.raises(PermissionDenied):
            save(report, user)
        with pytest.raises(PermissionDenied):
            services.final_report_submit(report_id=report.pk, by=user)
    assert report.publications.count() == 0
