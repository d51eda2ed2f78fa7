"""PDF checks by content: the magic bytes and a successful parse, never the file name; no active content.

Reviewers open applicants' PDFs, so a PDF that can act on its own is refused with the feature named: JavaScript,
an action run on opening (``/OpenAction`` with an action; a plain "open at this page" destination is fine, LaTeX
writes one into most files), automatic actions (``/AA``), ``/Launch``, embedded files, ``/RichMedia``, XFA forms
and data after the last ``%%EOF`` that is not an incremental update. A page-count and a decompressed-size limit
refuse decompression bombs: streams are inflated in bounded chunks and counted, never held whole.
"""

import hashlib
import io
import re
import zlib
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

PDF_MAGIC = b"%PDF-"
MAX_PAGES = 1_000
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
_INFLATE_CHUNK = 1024 * 1024
_WHITESPACE = b"\r\n\t\f\x00 "
_UPDATE_START = re.compile(rb"[\r\n\t\f\x00 ]*(?:\d+[\r\n\t\f\x00 ]+\d+[\r\n\t\f\x00 ]+obj|xref)")

FEATURES = {
    "javascript": gettext_lazy("JavaScript (/JS, /JavaScript)"),
    "open_action": gettext_lazy("an action run when the file opens (/OpenAction)"),
    "additional_actions": gettext_lazy("automatic actions (/AA)"),
    "launch": gettext_lazy("an action that starts a program (/Launch)"),
    "embedded_file": gettext_lazy("embedded files"),
    "rich_media": gettext_lazy("rich media (/RichMedia)"),
    "xfa": gettext_lazy("an XFA form"),
    "trailing_data": gettext_lazy("data after the end of the PDF (after its last %%EOF)"),
}


class _TooLarge(Exception):
    pass


def _resolved(value):
    return value.get_object() if hasattr(value, "get_object") and value is not None else value


def _features_of(obj: DictionaryObject) -> Iterator[str]:
    """The active features one dictionary declares (its nested dictionaries are visited separately)."""
    action = _resolved(obj.get("/S"))
    if "/JS" in obj or "/JavaScript" in obj or action == "/JavaScript":
        yield "javascript"
    if isinstance(_resolved(obj.get("/OpenAction")), DictionaryObject):
        yield "open_action"
    if "/AA" in obj:
        yield "additional_actions"
    if action == "/Launch":
        yield "launch"
    if "/EmbeddedFiles" in obj or "/EF" in obj or _resolved(obj.get("/Type")) == "/EmbeddedFile":
        yield "embedded_file"
    if _resolved(obj.get("/Subtype")) == "/RichMedia" or "/RichMediaContent" in obj:
        yield "rich_media"
    if "/XFA" in obj:
        yield "xfa"


def _inflated_size(stream: StreamObject, budget: int) -> int:
    """Bytes the stream holds once decoded: Flate is inflated in chunks and counted, anything else is its size.
    Raises ``_TooLarge`` past ``budget``."""
    raw = StreamObject.get_data(stream)  # the encoded bytes, as stored in the file
    filters = _resolved(stream.get("/Filter"))
    first = _resolved(filters[0]) if isinstance(filters, ArrayObject) and filters else filters
    if first not in ("/FlateDecode", "/Fl"):
        return len(raw)
    inflater = zlib.decompressobj()
    size, pending = 0, raw
    try:
        while pending and not inflater.eof:
            size += len(inflater.decompress(pending, _INFLATE_CHUNK))
            if size > budget:
                raise _TooLarge
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # a damaged stream: pypdf's own (bounded) recovery decides when it is read
    return size


def _objects(reader: PdfReader) -> Iterator[object]:
    """Every object of the file: the trailer and each numbered object, with the dictionaries and arrays nested in
    them (numbered objects they refer to come on their own turn)."""
    numbers = {number for table in reader.xref.values() for number in table} | set(reader.xref_objStm)
    stack: list = [reader.trailer]
    stack += (reader.get_object(number) for number in sorted(numbers))
    while stack:
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(v for v in dict.values(obj) if isinstance(v, DictionaryObject | ArrayObject))
        elif isinstance(obj, ArrayObject):
            stack.extend(v for v in list.__iter__(obj) if isinstance(v, DictionaryObject | ArrayObject))


def _trailing_data(data: bytes) -> bool:
    """Anything but whitespace after the last ``%%EOF``, or a section between two ``%%EOF`` markers that is not an
    incremental update (or a linearized file's main part): one that does not start with an object or a
    cross-reference table, or does not end with its ``startxref``."""
    first, last = data.find(b"%%EOF"), data.rfind(b"%%EOF")
    if last < 0:
        return False
    if data[last + 5 :].strip(_WHITESPACE):
        return True
    sections = data[first + 5 : last].split(b"%%EOF") if last > first else []
    return any(not _UPDATE_START.match(section) or b"startxref" not in section for section in sections)


def _refuse(features: set[str]):
    named = ", ".join(str(FEATURES[f]) for f in FEATURES if f in features)
    return ValidationError(
        {
            "file": _(
                "This PDF contains %(features)s, which the portal does not accept. Save or print it to a new PDF "
                "without it and upload that."
            )
            % {"features": named}
        },
        code="active_content",
    )


def _check_content(reader: PdfReader, data: bytes) -> None:
    if _trailing_data(data):
        raise _refuse({"trailing_data"})
    pages = len(reader.pages)
    if pages < 1:
        raise ValidationError({"file": _("The PDF has no pages.")}, code="not_pdf")
    if pages > MAX_PAGES:
        raise ValidationError({"file": _("The PDF has more than %(n)d pages.") % {"n": MAX_PAGES}}, code="too_large")
    budget = MAX_DECOMPRESSED_BYTES
    found: set[str] = set()
    for obj in _objects(reader):
        found.update(_features_of(obj))
        if isinstance(obj, StreamObject):
            budget -= _inflated_size(obj, budget)
            if budget < 0:
                raise _TooLarge
    if found:
        raise _refuse(found)


def check_pdf(upload, *, max_bytes: int) -> str:
    """Raise ValidationError unless ``upload`` is a PDF of at most ``max_bytes`` without active content, at most
    ``MAX_PAGES`` pages and ``MAX_DECOMPRESSED_BYTES`` decoded; returns its SHA-256."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > max_bytes:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)}}, code="too_large"
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data.startswith(PDF_MAGIC):
        raise ValidationError({"file": _("This file is not a PDF.")}, code="not_pdf")
    try:
        _check_content(PdfReader(io.BytesIO(data), strict=False), data)
    except _TooLarge:
        raise ValidationError(
            {"file": _("The PDF unpacks to more than %(mb)d MB.") % {"mb": MAX_DECOMPRESSED_BYTES // (1024 * 1024)}},
            code="too_large",
        )
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        raise ValidationError({"file": _("This PDF cannot be read. Export it again and retry.")}, code="not_pdf")
    return hashlib.sha256(data).hexdigest()
