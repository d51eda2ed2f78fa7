"""PDF uploads checked by content, private downloads, and 404 for everyone outside the organisation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from allocations.models import Attachment
from tests.factories.allocations import pdf_bytes, pdf_upload


def test_upload_and_download_a_pdf(alice_client, draft, settings):
    response = alice_client.post(
        f"/applications/{draft.pk}/attachments/", {"kind": "technical_annex", "file": pdf_upload("Annex v2.pdf")}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    assert attachment.original_name == "Annex v2.pdf"
    assert not attachment.file.name.endswith("Annex v2.pdf")  # stored under a random name
    assert str(settings.MEDIA_ROOT) in attachment.file.path
    response = alice_client.get(f"/applications/{draft.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00 this is an executable renamed to .pdf", "This file is not a PDF."),
        (b"%PDF-1.7\n this header is not followed by a PDF", "This PDF cannot be read."),
        (b"", "The submitted file is empty."),
    ],
    ids=["not-pdf", "broken-pdf", "empty"],
)
def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(alice_client, alice_api, draft, content, message):
    response = alice_client.post(
        f"/applications/{draft.pk}/attachments/",
        {"kind": "cv", "file": SimpleUploadedFile("cv.pdf", content, content_type="application/pdf")},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    response = alice_api.post(
        f"/api/v1/applications/{draft.pk}/attachments/",
        {"kind": "cv", "file": SimpleUploadedFile("cv.pdf", content, content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert any(message in m for m in response.json()["file"])
    assert not Attachment.objects.exists()


def test_larger_than_10_mb_is_refused(alice_api, draft):
    big = pdf_bytes() + b"%" + b"0" * (10 * 1024 * 1024)
    response = alice_api.post(
        f"/api/v1/applications/{draft.pk}/attachments/",
        {"kind": "cv", "file": SimpleUploadedFile("cv.pdf", big, content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["file"] == ["The file is larger than 10 MB."]


def test_api_upload(alice_api, draft):
    response = alice_api.post(
        f"/api/v1/applications/{draft.pk}/attachments/",
        {"kind": "cv", "file": pdf_upload("cv.pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "cv"


def test_remove_an_attachment(alice_client, draft, django_capture_on_commit_callbacks):
    alice_client.post(f"/applications/{draft.pk}/attachments/", {"kind": "cv", "file": pdf_upload()})
    attachment = Attachment.objects.get()
    path = attachment.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/applications/{draft.pk}/attachments/{attachment.pk}/delete/")
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    import os

    assert not os.path.exists(path)


def test_another_organisation_gets_404_everywhere(client, api, mallory, complete_draft):
    attachment = complete_draft.attachments.first()
    client.force_login(mallory)
    pk = complete_draft.pk
    for url in [
        f"/applications/{pk}/",
        f"/applications/{pk}/edit/project/",
        f"/applications/{pk}/edit/attachments/",
        f"/applications/{pk}/edit/review/",
        f"/applications/{pk}/withdraw/",
        f"/applications/{pk}/attachments/{attachment.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/applications/{pk}/edit/project/",
        f"/applications/{pk}/submit/",
        f"/applications/{pk}/withdraw/",
        f"/applications/{pk}/attachments/",
        f"/applications/{pk}/attachments/{attachment.pk}/delete/",
    ]:
        assert client.post(url, {"declaration": "on", "version": 0, "title": "pwned"}).status_code == 404, url
    assert pk not in [a.pk for a in client.get("/applications/").context["dashboard"].drafts]

    api.force_authenticate(mallory)
    assert api.get(f"/api/v1/applications/{pk}/").status_code == 404
    assert (
        api.patch(f"/api/v1/applications/{pk}/", {"title": "x", "project_version": 0}, format="json").status_code == 404
    )
    assert api.post(f"/api/v1/applications/{pk}/submit/", {"declaration": True}, format="json").status_code == 404
    assert api.post(f"/api/v1/applications/{pk}/withdraw/", {}, format="json").status_code == 404
    assert (
        api.post(
            f"/api/v1/applications/{pk}/attachments/", {"kind": "cv", "file": pdf_upload()}, format="multipart"
        ).status_code
        == 404
    )
    assert api.get("/api/v1/applications/").json()["count"] == 0
    complete_draft.refresh_from_db()
    assert complete_draft.title != "pwned" and complete_draft.status == "draft"


def test_anonymous_is_sent_to_login_and_api_refuses(client, api, complete_draft):
    response = client.get(f"/applications/{complete_draft.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert api.get(f"/api/v1/applications/{complete_draft.pk}/").status_code in (401, 403)


def test_a_member_may_edit_but_not_submit(client, alice_org, complete_draft):
    from tests.factories import MembershipFactory, UserFactory

    member = UserFactory(email="intern@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=member)
    client.force_login(member)
    response = client.post(f"/applications/{complete_draft.pk}/edit/project/", {"title": "Edited", "version": 0})
    assert response.status_code == 302
    response = client.post(f"/applications/{complete_draft.pk}/submit/", {"declaration": "on"})
    assert response.status_code == 403
    assert "Only" in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.status == "draft"
