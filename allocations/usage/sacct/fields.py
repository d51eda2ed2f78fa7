"""Parsers of single fields (job id, AllocTRES, elapsed time, times, text), shared by every input format."""

from __future__ import annotations

import datetime as dt
import re

from allocations.usage.sacct.records import MAX_ELAPSED, MAX_GPUS, MAX_TEXT, ParseError, Reason

_JOB_ID = re.compile(r"\d+(?:_\d+)?(?:\+\d+)?")
_TRES_CACHE: dict[str, int] = {}


def is_step(job_id: str) -> bool:
    """``123.batch``, ``123.extern``, ``123.0``, ``123_4.batch``, ``123+0.1``: a step of a job allocation."""
    return "." in job_id


def parse_job_id(text: str) -> str:
    """An allocation id: ``123``, an array task ``123_4``, a heterogeneous component ``123+0`` (or ``123_4+0``)."""
    job_id = text.strip()
    if not _JOB_ID.fullmatch(job_id):
        raise ParseError(Reason.BAD_JOB_ID, f"job id {text[:MAX_TEXT]!r} is not an allocation id")
    return job_id


def parse_tres(text: str) -> int:
    """GPUs in an AllocTRES string such as ``billing=64,cpu=64,gres/gpu=4,mem=512G,node=1``.

    ``gres/gpu=N`` wins; typed entries (``gres/gpu:h100=4``) are summed when it is absent; none means 0.
    """
    cached = _TRES_CACHE.get(text)
    if cached is not None:
        return cached
    generic: int | None = None
    typed = 0
    stripped = text.strip()
    if stripped:
        for item in stripped.split(","):
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or not key:
                raise ParseError(Reason.MALFORMED_TRES, f"TRES entry {item[:MAX_TEXT]!r} is not name=value")
            if key == "gres/gpu" or key.startswith("gres/gpu:"):
                value = value.strip()
                if not value.isdecimal():
                    raise ParseError(Reason.MALFORMED_TRES, f"GPU count {value[:MAX_TEXT]!r} is not a whole number")
                count = int(value)
                if key == "gres/gpu":
                    generic = count
                else:
                    typed += count
    gpus = generic if generic is not None else typed
    if gpus > MAX_GPUS:
        raise ParseError(Reason.MALFORMED_TRES, f"{gpus} GPUs is more than a job can hold")
    if len(_TRES_CACHE) < 10_000:
        _TRES_CACHE[text] = gpus
    return gpus


def parse_elapsed(text: str) -> int:
    """Seconds of Slurm's ``[D-]HH:MM:SS``, ``HH:MM:SS`` or ``MM:SS`` (fractions of a second are cut)."""
    value = text.strip()
    if value.startswith("-"):
        raise ParseError(Reason.NEGATIVE_ELAPSED, f"elapsed time {value[:MAX_TEXT]!r} is negative")
    days = 0
    if "-" in value:
        day_text, _sep, value = value.partition("-")
        if not day_text.isdecimal():
            raise ParseError(Reason.BAD_ELAPSED, f"elapsed time {text[:MAX_TEXT]!r} is not [D-]HH:MM:SS")
        days = int(day_text)
    parts = value.split(":")
    if parts and "." in parts[-1]:
        parts[-1] = parts[-1].split(".", 1)[0]
    if not 2 <= len(parts) <= 3 or not all(p.isdecimal() for p in parts):
        raise ParseError(Reason.BAD_ELAPSED, f"elapsed time {text[:MAX_TEXT]!r} is not [D-]HH:MM:SS")
    numbers = [int(p) for p in parts]
    if len(numbers) == 2:
        numbers.insert(0, 0)
    hours, minutes, seconds = numbers
    if minutes > 59 or seconds > 59 or (days and hours > 23):
        raise ParseError(Reason.BAD_ELAPSED, f"elapsed time {text[:MAX_TEXT]!r} is out of range")
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if total > MAX_ELAPSED:
        raise ParseError(Reason.BAD_ELAPSED, f"elapsed time {text[:MAX_TEXT]!r} is longer than a year")
    return total


def parse_time(text: str, field: str) -> dt.datetime:
    """ISO 8601 as sacct prints it (``2027-01-15T10:00:00``); an offset (``Z``, ``+01:00``) is kept."""
    value = text.strip()
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(Reason.BAD_DATE, f"{field} {value[:MAX_TEXT]!r} is not a date and time") from None


def required_text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ParseError(Reason.MISSING_FIELD, f"{field} is empty")
    if len(value) > MAX_TEXT:
        raise ParseError(Reason.MISSING_FIELD, f"{field} is longer than {MAX_TEXT} characters")
    return value


def check_times(start: dt.datetime, end: dt.datetime) -> None:
    if (start.tzinfo is None) != (end.tzinfo is None):
        raise ParseError(Reason.BAD_DATE, "start and end must both have a time zone offset or neither")
    if end < start:
        raise ParseError(Reason.END_BEFORE_START, f"end {end.isoformat()} is before start {start.isoformat()}")


def parse_gpus(value: object) -> int:
    text = str(value).strip()
    if not text.isdecimal():
        raise ParseError(Reason.BAD_GPUS, f"GPU count {text[:MAX_TEXT]!r} is not a whole number of 0 or more")
    gpus = int(text)
    if gpus > MAX_GPUS:
        raise ParseError(Reason.BAD_GPUS, f"{gpus} GPUs is more than a job can hold")
    return gpus
