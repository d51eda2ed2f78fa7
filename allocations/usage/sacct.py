"""Streaming parsers for cluster job accounting records (pure Python, no Django, no I/O).

Three inputs give the same records:

- Slurm ``sacct --parsable2`` output, with or without its header line. Without a header the fields are
  ``JobID|JobIDRaw|User|Account|Partition|Start|End|Elapsed|AllocTRES|State``; with a header the columns are
  found by name (any order, extra columns ignored).
- A plain CSV ``cluster,job_id,account,user,start,end,gpus`` (header optional); elapsed time is ``end - start``.
- JSON records (dicts) of the API: ``job_id, account, user, start, end`` and ``gpus`` (or ``alloc_tres``),
  optionally ``elapsed`` (seconds or Slurm's ``[D-]HH:MM:SS``) and ``cluster``.

Each parser yields, per input line, a :class:`JobRecord` (accepted), a :class:`Rejected` (with its line number, a
reason code and a detail) or a :class:`Skipped` (not an error: a job step, a running job). Nothing is dropped
silently. Only job allocations count:

- steps (``123.batch``, ``123.extern``, ``123.0``, ``123_4.batch``, ``123+0.0``) are skipped: their GPUs are
  already counted on the allocation line;
- array tasks (``123_4``) are allocations of their own and keyed by that id; a pending array line
  (``123_[5-9]``) has ``End=Unknown`` and is skipped like any running job;
- heterogeneous job components (``123+0``, ``123+1``) each hold their own allocation (AllocTRES) and count once
  each, keyed by the component id.

GPU count: the generic ``gres/gpu=N`` of AllocTRES; when only typed entries are present
(``gres/gpu:h100=4``), their sum; no GPU entry means 0 GPUs. GPU-seconds = GPUs x elapsed seconds.
Times without an offset are the cluster's local time; the caller attaches the zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

SACCT_FIELDS = ("JobID", "JobIDRaw", "User", "Account", "Partition", "Start", "End", "Elapsed", "AllocTRES", "State")
CSV_FIELDS = ("cluster", "job_id", "account", "user", "start", "end", "gpus")
REQUIRED_SACCT = ("JobID", "User", "Account", "Start", "End", "Elapsed", "AllocTRES")
# Times sacct prints for jobs that have not started or not finished.
UNKNOWN_TIMES = frozenset({"Unknown", "None", ""})
MAX_TEXT = 64
MAX_GPUS = 100_000
MAX_ELAPSED = 366 * 86400
# A longer line (line break included) is rejected; the file reader hands it over as an ``OverlongLine`` without
# keeping it in memory.
MAX_LINE_BYTES = 64 * 1024


class Reason:
    """Why a line was rejected (codes stored in import reports; the portal translates them)."""

    MALFORMED = "malformed"  # wrong number of fields, missing header columns
    BAD_JOB_ID = "bad_job_id"
    MISSING_FIELD = "missing_field"
    BAD_DATE = "bad_date"
    END_BEFORE_START = "end_before_start"
    BAD_ELAPSED = "bad_elapsed"
    NEGATIVE_ELAPSED = "negative_elapsed"
    MALFORMED_TRES = "malformed_tres"
    BAD_GPUS = "bad_gpus"
    # Found by the database merge, not by these parsers:
    UNKNOWN_ACCOUNT = "unknown_account"
    WRONG_CLUSTER = "wrong_cluster"


class SkipReason:
    STEP = "step"
    RUNNING = "running"
    NOT_STARTED = "not_started"
    HEADER = "header"
    BLANK = "blank"


class ParseError(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class JobRecord:
    line: int
    job_id: str
    account: str
    user: str
    start: dt.datetime
    end: dt.datetime
    elapsed: int
    gpus: int
    partition: str = ""
    state: str = ""
    cluster: str = ""

    @property
    def gpu_seconds(self) -> int:
        return self.gpus * self.elapsed


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int
    reason: str


Item = JobRecord | Rejected | Skipped


class OverlongLine(str):
    """Stands for a line longer than ``MAX_LINE_BYTES`` that the reader skipped instead of reading it whole."""


def line_problem(line: str) -> str | None:
    """Why a line (or a record's text) cannot be stored: PostgreSQL text holds no NUL and no lone surrogate, and a
    line has at most ``MAX_LINE_BYTES``. ``None`` when it is fine."""
    if type(line) is OverlongLine or len(line) > MAX_LINE_BYTES:
        return f"the line is longer than {MAX_LINE_BYTES} bytes"
    if "\x00" in line:
        return "contains a NUL byte"
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a character that cannot be stored as text"
    return None


def _suspect(line: str) -> bool:
    """The cheap test of every line (``isascii`` is a flag in CPython): only a suspect line gets ``line_problem``."""
    return type(line) is not str or "\x00" in line or not line.isascii() or len(line) > MAX_LINE_BYTES


def storable(item: Item) -> Item:
    """``item``, or a ``Rejected`` when a record not read from one line (JSON) holds text that cannot be stored."""
    if type(item) is JobRecord:
        for value in (item.job_id, item.account, item.user, item.partition, item.state, item.cluster):
            if _suspect(value) and (problem := line_problem(value)):
                return Rejected(item.line, Reason.MALFORMED, problem)
    return item


# --- field parsers ----------------------------------------------------------------------------------------------

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


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ParseError(Reason.MISSING_FIELD, f"{field} is empty")
    if len(value) > MAX_TEXT:
        raise ParseError(Reason.MISSING_FIELD, f"{field} is longer than {MAX_TEXT} characters")
    return value


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if (start.tzinfo is None) != (end.tzinfo is None):
        raise ParseError(Reason.BAD_DATE, "start and end must both have a time zone offset or neither")
    if end < start:
        raise ParseError(Reason.END_BEFORE_START, f"end {end.isoformat()} is before start {start.isoformat()}")


# --- sacct --parsable2 --------------------------------------------------------------------------------------------


def _sacct_positions(header: list[str]) -> tuple[int, ...] | None:
    names = {name.strip(): index for index, name in enumerate(header)}
    if not all(name in names for name in REQUIRED_SACCT):
        return None
    return tuple(names.get(name, -1) for name in SACCT_FIELDS)


# Column names sacct prints (a few of them): a first line holding one is a header, even when it lacks what we need.
KNOWN_COLUMNS = frozenset(
    (*SACCT_FIELDS, "Cluster", "JobName", "NNodes", "NCPUS", "ReqTRES", "Submit", "Eligible", "ExitCode", "QOS")
)
EXPECTED = (
    "sacct --parsable2 output with a header naming the columns JobID, User, Account, Start, End, Elapsed and "
    "AllocTRES (in any order; other columns are ignored), or without a header the 10 fields " + "|".join(SACCT_FIELDS)
)
_DATA_JOB_ID = re.compile(r"\d+(?:[_+.\[].*)?")


def sacct_layout(number: int, fields: list[str]) -> tuple[tuple[int, ...], int] | Rejected | None:
    """Read the first line of a sacct file: ``(positions, width)`` for a header, ``None`` for a record of the
    default layout, or the one file-level :class:`Rejected` saying what was expected."""
    positions = _sacct_positions(fields)
    if positions is not None:
        return positions, len(fields)
    names = {name.strip() for name in fields}
    if names & KNOWN_COLUMNS:
        missing = ", ".join(name for name in REQUIRED_SACCT if name not in names)
        return Rejected(number, Reason.MALFORMED, f"the header lacks {missing}; expected {EXPECTED}")
    if len(fields) == len(SACCT_FIELDS) and _DATA_JOB_ID.fullmatch(fields[0].strip()):
        return None
    return Rejected(
        number,
        Reason.MALFORMED,
        f"the first line is neither a header nor a record ({len(fields)} fields); expected " + EXPECTED,
    )


# A pending job array's line (``123_[1-3]``, ``123_[1,4-6%2]``): its tasks never started.
_PENDING_ARRAY = re.compile(r"\d+_\[[0-9,\-%:]*\](?:\+\d+)?")


def is_pending_array(job_id: str) -> bool:
    return bool(_PENDING_ARRAY.fullmatch(job_id.strip()))


def parse_sacct(lines: Iterable[str]) -> Iterator[Item]:
    """Parse ``sacct --parsable2`` output line by line (header optional). Line numbers start at 1."""
    positions = tuple(range(len(SACCT_FIELDS)))
    width = len(SACCT_FIELDS)
    first = True
    for number, raw in enumerate(lines, 1):
        if _suspect(raw) and (problem := line_problem(raw)):
            yield Rejected(number, Reason.MALFORMED, problem)
            continue
        line = raw.rstrip("\r\n")
        if not line.strip():
            yield Skipped(number, SkipReason.BLANK)
            continue
        fields = line.split("|")
        if first:
            first = False
            layout = sacct_layout(number, fields)
            if isinstance(layout, Rejected):
                yield layout
                return
            if layout is not None:
                positions, width = layout
                yield Skipped(number, SkipReason.HEADER)
                continue
        if len(fields) != width:
            yield Rejected(number, Reason.MALFORMED, f"{len(fields)} fields instead of {width}")
            continue
        yield _sacct_record(number, fields, positions)


def _sacct_record(number: int, fields: list[str], positions: tuple[int, ...]) -> Item:
    job_i, _raw_i, user_i, account_i, partition_i, start_i, end_i, elapsed_i, tres_i, state_i = positions
    job_text = fields[job_i]
    if is_step(job_text):
        return Skipped(number, SkipReason.STEP)
    if is_pending_array(job_text):
        return Skipped(number, SkipReason.NOT_STARTED)
    end_text = fields[end_i]
    if end_text in UNKNOWN_TIMES:
        return Skipped(number, SkipReason.RUNNING)
    start_text = fields[start_i]
    try:
        job_id = parse_job_id(job_text)
        if start_text in UNKNOWN_TIMES:
            if parse_elapsed(fields[elapsed_i]) == 0:
                return Skipped(number, SkipReason.NOT_STARTED)
            raise ParseError(Reason.BAD_DATE, f"Start {start_text!r} is not a date and time")
        start = parse_time(start_text, "Start")
        end = parse_time(end_text, "End")
        _check_times(start, end)
        return JobRecord(
            line=number,
            job_id=job_id,
            account=_text(fields[account_i], "Account").lower(),
            user=_text(fields[user_i], "User"),
            start=start,
            end=end,
            elapsed=parse_elapsed(fields[elapsed_i]),
            gpus=parse_tres(fields[tres_i]),
            partition=fields[partition_i].strip()[:MAX_TEXT] if partition_i >= 0 else "",
            state=fields[state_i].strip()[:MAX_TEXT] if state_i >= 0 else "",
        )
    except ParseError as error:
        return Rejected(number, error.reason, error.detail)


# --- plain CSV ----------------------------------------------------------------------------------------------------


def parse_gpus(value: object) -> int:
    text = str(value).strip()
    if not text.isdecimal():
        raise ParseError(Reason.BAD_GPUS, f"GPU count {text[:MAX_TEXT]!r} is not a whole number of 0 or more")
    gpus = int(text)
    if gpus > MAX_GPUS:
        raise ParseError(Reason.BAD_GPUS, f"{gpus} GPUs is more than a job can hold")
    return gpus


def parse_csv(lines: Iterable[str]) -> Iterator[Item]:
    """Parse ``cluster,job_id,account,user,start,end,gpus`` rows (header optional); elapsed is ``end - start``."""
    problems: dict[int, str] = {}

    def checked(lines: Iterable[str]) -> Iterator[str]:
        # A line that cannot be stored reaches the CSV reader as a blank line and is rejected below.
        for number, line in enumerate(lines, 1):
            if _suspect(line) and (problem := line_problem(line)):
                problems[number] = problem
                line = "\n"
            yield line

    reader = csv.reader(checked(lines))
    first = True
    for row in reader:
        number = reader.line_num
        if number in problems:
            yield Rejected(number, Reason.MALFORMED, problems.pop(number))
            continue
        if not row or not any(cell.strip() for cell in row):
            yield Skipped(number, SkipReason.BLANK)
            continue
        if first:
            first = False
            if [cell.strip().lower() for cell in row] == list(CSV_FIELDS):
                yield Skipped(number, SkipReason.HEADER)
                continue
        if len(row) != len(CSV_FIELDS):
            yield Rejected(number, Reason.MALFORMED, f"{len(row)} fields instead of {len(CSV_FIELDS)}")
            continue
        cluster, job_text, account, user, start_text, end_text, gpus_text = row
        if is_step(job_text):
            yield Skipped(number, SkipReason.STEP)
            continue
        if end_text.strip() in UNKNOWN_TIMES:
            yield Skipped(number, SkipReason.RUNNING)
            continue
        try:
            start = parse_time(start_text, "start")
            end = parse_time(end_text, "end")
            _check_times(start, end)
            yield JobRecord(
                line=number,
                job_id=parse_job_id(job_text),
                account=_text(account, "account").lower(),
                user=_text(user, "user"),
                start=start,
                end=end,
                elapsed=int((end - start).total_seconds()),
                gpus=parse_gpus(gpus_text),
                cluster=_text(cluster, "cluster"),
            )
        except ParseError as error:
            yield Rejected(number, error.reason, error.detail)


# --- JSON records (API) -------------------------------------------------------------------------------------------


def parse_json_records(records: Iterable[object]) -> Iterator[Item]:
    """Parse API records; the "line" of a record is its position in the batch, from 1."""
    for number, record in enumerate(records, 1):
        if not isinstance(record, Mapping):
            yield Rejected(number, Reason.MALFORMED, "a record must be an object")
            continue
        try:
            yield storable(_json_record(number, record))
        except ParseError as error:
            yield Rejected(number, error.reason, error.detail)


def _required(record: Mapping, key: str) -> str:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParseError(Reason.MISSING_FIELD, f"{key} is missing")
    return str(value)


def _json_record(number: int, record: Mapping) -> Item:
    job_text = _required(record, "job_id")
    if is_step(job_text):
        return Skipped(number, SkipReason.STEP)
    end_text = record.get("end")
    if end_text is None or str(end_text).strip() in UNKNOWN_TIMES:
        return Skipped(number, SkipReason.RUNNING)
    start = parse_time(_required(record, "start"), "start")
    end = parse_time(str(end_text), "end")
    _check_times(start, end)
    if "gpus" in record:
        gpus_value = record["gpus"]
        if isinstance(gpus_value, bool):
            raise ParseError(Reason.BAD_GPUS, "gpus must be a whole number")
        gpus = parse_gpus(gpus_value)
    elif "alloc_tres" in record:
        gpus = parse_tres(str(record["alloc_tres"]))
    else:
        raise ParseError(Reason.MISSING_FIELD, "gpus (or alloc_tres) is missing")
    elapsed_value = record.get("elapsed")
    if elapsed_value is None:
        elapsed = int((end - start).total_seconds())
    elif isinstance(elapsed_value, int) and not isinstance(elapsed_value, bool):
        if elapsed_value < 0:
            raise ParseError(Reason.NEGATIVE_ELAPSED, f"elapsed {elapsed_value} is negative")
        if elapsed_value > MAX_ELAPSED:
            raise ParseError(Reason.BAD_ELAPSED, f"elapsed {elapsed_value} is longer than a year")
        elapsed = elapsed_value
    else:
        elapsed = parse_elapsed(str(elapsed_value))
    return JobRecord(
        line=number,
        job_id=parse_job_id(job_text),
        account=_text(_required(record, "account"), "account").lower(),
        user=_text(_required(record, "user"), "user"),
        start=start,
        end=end,
        elapsed=elapsed,
        gpus=gpus,
        partition=str(record.get("partition") or "").strip()[:MAX_TEXT],
        state=str(record.get("state") or "").strip()[:MAX_TEXT],
        cluster=str(record.get("cluster") or "").strip()[:MAX_TEXT],
    )


def parse(fmt: str, lines: Iterable[str]) -> Iterator[Item]:
    """Dispatch on an import format: ``"sacct"``, ``"csv"`` or ``"json"`` (``sacct --json`` or API records)."""
    if fmt == "sacct":
        return parse_sacct(lines)
    if fmt == "csv":
        return parse_csv(lines)
    if fmt == "json":
        from allocations.usage.sacct_json import parse_json_lines

        return parse_json_lines(lines)
    raise ValueError(f"unknown format {fmt!r}")


def sniff_format(first_line: str) -> str:
    """Guess the format of a file from its first line: a brace or bracket means JSON, pipes sacct, commas CSV."""
    start = first_line.lstrip("\ufeff \t\r\n")[:1]
    if start in ("{", "["):
        return "json"
    return "sacct" if "|" in first_line else "csv"


# --- COPY text for the import -------------------------------------------------------------------------------------
#
# The import stages accepted records with ``COPY ... FROM STDIN`` in PostgreSQL's text format. For sacct files the
# common line (a plain numeric job id, ``YYYY-MM-DDTHH:MM:SS`` times, ``HH:MM:SS``-like elapsed time) is turned into
# its COPY line directly, with caches for the few distinct accounts, users, partitions, states, elapsed times and
# TRES strings of a file; any other line goes through :func:`_sacct_record` above, so both give the same result.
# The columns are those of the staging table: line, cluster, job_id, account, user, partition, state, start, end,
# elapsed, gpus.

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_CACHE_LIMIT = 100_000
_ELAPSED_CACHE: dict[str, int] = {}


def copy_text(value: str) -> str:
    """``value`` escaped for a field of PostgreSQL's COPY text format."""
    return value.translate(_COPY_ESCAPES)


def copy_line(record: JobRecord) -> str:
    """The COPY text line (with its newline) of an accepted record."""
    return (
        f"{record.line}\t{copy_text(record.cluster)}\t{copy_text(record.job_id)}\t{copy_text(record.account)}\t"
        f"{copy_text(record.user)}\t{copy_text(record.partition)}\t{copy_text(record.state)}\t"
        f"{record.start}\t{record.end}\t{record.elapsed}\t{record.gpus}\n"
    )


def _cached_text(cache: dict[str, str | None], raw: str, field: str, lower: bool) -> str | None:
    """The COPY field of a required text column, or ``None`` when the value is invalid."""
    try:
        value = _text(raw, field)
    except ParseError:
        value = None
    else:
        value = copy_text(value.lower() if lower else value)
    if len(cache) < _CACHE_LIMIT:
        cache[raw] = value
    return value


def _cached_optional(cache: dict[str, str], raw: str) -> str:
    value = copy_text(raw.strip()[:MAX_TEXT])
    if len(cache) < _CACHE_LIMIT:
        cache[raw] = value
    return value


def _canonical_time(text: str) -> bool:
    """``YYYY-MM-DDTHH:MM:SS`` that Python reads as a date and time (PostgreSQL reads it the same way)."""
    if len(text) != 19 or text[4] != "-" or text[7] != "-" or text[10] != "T" or text[13] != ":" or text[16] != ":":
        return False
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def sacct_copy_lines(lines: Iterable[str]) -> Iterator[str | Rejected | Skipped]:
    """:func:`parse_sacct`, with each accepted record given as its COPY text line instead of a JobRecord."""
    positions = tuple(range(len(SACCT_FIELDS)))
    width = len(SACCT_FIELDS)
    first = True
    accounts: dict[str, str | None] = {}
    users: dict[str, str | None] = {}
    partitions: dict[str, str] = {}
    states: dict[str, str] = {}
    tres_cache, elapsed_cache = _TRES_CACHE, _ELAPSED_CACHE

    def unpack(positions: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(p for i, p in enumerate(positions) if i != 1)

    job_i, user_i, account_i, partition_i, start_i, end_i, elapsed_i, tres_i, state_i = unpack(positions)
    for number, raw in enumerate(lines, 1):
        if _suspect(raw) and (problem := line_problem(raw)):
            yield Rejected(number, Reason.MALFORMED, problem)
            continue
        line = raw.rstrip("\r\n")
        fields = line.split("|")
        if first:
            if not line.strip():
                yield Skipped(number, SkipReason.BLANK)
                continue
            first = False
            layout = sacct_layout(number, fields)
            if isinstance(layout, Rejected):
                yield layout
                return
            if layout is not None:
                positions, width = layout
                job_i, user_i, account_i, partition_i, start_i, end_i, elapsed_i, tres_i, state_i = unpack(positions)
                yield Skipped(number, SkipReason.HEADER)
                continue
        if len(fields) == width:
            # the fast path: every check of _sacct_record, on the common shapes only
            job_text = fields[job_i]
            start_text = fields[start_i]
            end_text = fields[end_i]
            if (
                job_text.isdecimal()
                and job_text.isascii()
                and _canonical_time(start_text)
                and _canonical_time(end_text)
                and end_text >= start_text
            ):
                raw_text = fields[account_i]
                account = accounts[raw_text] if raw_text in accounts else _cached_text(accounts, raw_text, "", True)
                raw_text = fields[user_i]
                user = users[raw_text] if raw_text in users else _cached_text(users, raw_text, "", False)
                raw_text = fields[elapsed_i]
                elapsed = elapsed_cache.get(raw_text)
                if elapsed is None:
                    try:
                        elapsed = parse_elapsed(raw_text)
                    except ValueError:  # ParseError, or a digit int() does not read: _sacct_record decides
                        pass
                    else:
                        if len(elapsed_cache) < _CACHE_LIMIT:
                            elapsed_cache[raw_text] = elapsed
                raw_text = fields[tres_i]
                gpus = tres_cache.get(raw_text)
                if gpus is None:
                    try:
                        gpus = parse_tres(raw_text)
                    except ValueError:
                        gpus = None
                if account is not None and user is not None and elapsed is not None and gpus is not None:
                    if partition_i >= 0:
                        raw_text = fields[partition_i]
                        partition = partitions.get(raw_text)
                        if partition is None:
                            partition = _cached_optional(partitions, raw_text)
                    else:
                        partition = ""
                    if state_i >= 0:
                        raw_text = fields[state_i]
                        state = states.get(raw_text)
                        if state is None:
                            state = _cached_optional(states, raw_text)
                    else:
                        state = ""
                    yield (
                        f"{number}\t\t{job_text}\t{account}\t{user}\t{partition}\t{state}\t"
                        f"{start_text}\t{end_text}\t{elapsed}\t{gpus}\n"
                    )
                    continue
            if not line.strip():
                yield Skipped(number, SkipReason.BLANK)
                continue
            item = _sacct_record(number, fields, positions)
        elif not line.strip():
            yield Skipped(number, SkipReason.BLANK)
            continue
        else:
            item = Rejected(number, Reason.MALFORMED, f"{len(fields)} fields instead of {width}")
        yield copy_line(item) if type(item) is JobRecord else item


def copy_lines(fmt: str, lines: Iterable[str]) -> Iterator[str | Rejected | Skipped]:
    """:func:`parse` for the import: accepted records come as COPY text lines."""
    if fmt == "sacct":
        return sacct_copy_lines(lines)
    return (copy_line(item) if type(item) is JobRecord else item for item in parse(fmt, lines))
