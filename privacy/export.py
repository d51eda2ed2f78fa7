"""Building the data export: a zip with one JSON and one CSV file per section and a README that lists them."""

import csv
import datetime as dt
import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.dashboards.csv_export import safe_row
from audit.models import ObjectType
from audit.services import record
from privacy.registry import EXCLUDED
from privacy.sections import SECTIONS


def _cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _csv(rows: list[dict]) -> str:
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(_cell(row.get(name)) for name in header))
    return out.getvalue()


def _readme(user: User, now: dt.datetime, counts: dict[str, int]) -> str:
    lines = [
        _("Your personal data in the Gigafactory Access Portal, exported on %(when)s.") % {"when": now.isoformat()},
        _("Each section is a table, as JSON (<section>.json) and as CSV (<section>.csv)."),
        "",
    ]
    lines += [f"{section.name}: {section.title} ({counts[section.name]})" for section in SECTIONS]
    lines += [
        "",
        _("People who acted on your applications or account appear by their part, never by name."),
        _("Not in this export:"),
        *(f"- {reference}: {reason}" for reference, reason in EXCLUDED.items()),
    ]
    return "\n".join(lines) + "\n"


def export_build(*, user: User, now: dt.datetime | None = None) -> bytes:
    """The zip of everything the portal holds about ``user`` (see ``privacy.sections``), for ``user`` only.

    Records an audit event; the caller has checked that the requester is ``user``.
    """
    now = now or timezone.now()
    stamp = timezone.localtime(now).timetuple()[:6]
    buffer = io.BytesIO()
    counts = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS:
            rows = section.rows(user)
            counts[section.name] = len(rows)
            text = json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            archive.writestr(zipfile.ZipInfo(f"{section.name}.json", stamp), text, zipfile.ZIP_DEFLATED)
            archive.writestr(zipfile.ZipInfo(f"{section.name}.csv", stamp), _csv(rows), zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo("README.txt", stamp), _readme(user, now, counts), zipfile.ZIP_DEFLATED)
    record(
        actor=user,
        action="user.data_exported",
        object_type=ObjectType.USER,
        object_id=user.pk,
        object_label=user.email,
        changes={"sections": [None, len(SECTIONS)]},
        now=now,
    )
    return buffer.getvalue()


def export_filename(now: dt.datetime | None = None) -> str:
    return f"gigafactory-portal-my-data-{timezone.localdate(now or timezone.now()):%Y-%m-%d}.zip"
