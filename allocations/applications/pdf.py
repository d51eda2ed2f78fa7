"""PDF checks by content: the magic bytes and a successful parse, never the file name."""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF_MAGIC = b"%PDF-"


def check_pdf(upload, *, max_bytes: int) -> str:
    """Raise ValidationError unless ``upload`` is a PDF of at most ``max_bytes``; returns its SHA-256."""
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
        reader = PdfReader(io.BytesIO(data), strict=False)
        if len(reader.pages) < 1:
            raise ValidationError({"file": _("The PDF has no pages.")}, code="not_pdf")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise ValidationError({"file": _("This PDF cannot be read. Export it again and retry.")}, code="not_pdf")
    return hashlib.sha256(data).hexdigest()
