"""Blind review: a call with it on shows reviewers the answers and documents, but no applicant name,
organisation, team or document file name; the panel shows requested and minimum hours against the pool."""

import pytest

from allocations.applications import services as application_services
from tests.factories.allocations import pdf_upload
from tests.factories.reviews import accepted_assignment
from tests.reviews.conftest import client_for


@pytest.fixture
def annexed(in_review, alice):
    """alice's application under review, with a technical annex whose file name names her."""
    in_review.attachments.all().delete()
    in_review.status = "draft"  # the upload service takes drafts only; restored below
    in_review.save(update_fields=["status"])
    application_services.attachment_add(
        application_id=in_review.pk, kind="technical_annex", upload=pdf_upload("annex-alice-aurora.pdf"), by=alice
    )
    in_review.status = "in_review"
    in_review.save(update_fields=["status"])
    return in_review


@pytest.mark.parametrize("blind", [True, False])
def test_reviewer_pages_hide_who_applies_when_blind(client, bob, carol, alice, annexed, blind):
    call = annexed.call
    call.blind_review = blind
    call.save(update_fields=["blind_review"])
    assignment = accepted_assignment(annexed, bob, by=carol)
    client_for(client, bob)
    page = client.get(f"/staff/reviews/assignments/{assignment.pk}/review/").content.decode()
    assert annexed.abstract in page  # the answers are there
    attachment = annexed.attachments.get()
    assert f"/applications/{annexed.pk}/attachments/{attachment.pk}/" in page  # and the document
    revealing = [alice.full_name, alice.email, "Aurora AI", "annex-alice-aurora.pdf"]
    if blind:
        assert [text for text in revealing if text in page] == []
        response = client.get(f"/applications/{annexed.pk}/attachments/{attachment.pk}/")
        assert response.status_code == 200
        assert "annex-alice-aurora" not in response["Content-Disposition"]
    else:
        assert all(text in page for text in ("Aurora AI", "annex-alice-aurora.pdf"))


def test_panel_shows_requested_and_minimum_against_the_pool(client, carol, in_review):
    call = in_review.call
    call.pool_gpu_hours_per_quarter = 50_000
    call.save(update_fields=["pool_gpu_hours_per_quarter"])
    in_review.status = "panel"
    in_review.save(update_fields=["status"])
    client_for(client, carol)
    page = client.get(f"/staff/reviews/manage/calls/{call.slug}/panel/").content.decode()
    assert "The call's pool: 50,000 GPU-hours per quarter." in page.replace("&#x27;", "'")
    assert "requests exceed the pool" in page
    assert f"/staff/reviews/manage/applications/{in_review.pk}/check/" in page
