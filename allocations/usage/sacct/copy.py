"""COPY text for the import: the fast path of sacct files (:func:`sacct_copy_lines`) and the COPY line of any
accepted record (:func:`copy_line`).

The import stages accepted records with ``COPY ... FROM STDIN`` in PostgreSQL's text format. For sacct files the
common line (a plain numeric job id, ``YYYY-MM-DDTHH:MM:SS`` times) is turned into its COPY line directly, with
caches for the few distinct accounts, users, partitions, states, elapsed times and TRES strings of a file; any
other line goes through the record parser (:func:`~allocations.usage.sacct.parse.sacct_record`), so both give the
same text (a property test holds them equal). The columns are those of the staging table: line, cluster, job_id,
account, user, partition, state, start, end, elapsed, gpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from allocations.usage.sacct.fields import parse_elapsed, parse_tres, required_text
from allocations.usage.sacct.header import read_header
from allocations.usage.sacct.parse import parse, sacct_record
from allocations.usage.sacct.records import (
    MAX_TEXT,
    Item,
    JobRecord,
    ParseError,
    Reason,
    Rejected,
    Skipped,
    SkipReason,
    line_problem,
    suspect,
)

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_CACHE_LIMIT = 100_000


def copy_text(value: str) -> str:
    """``value`` escaped for a field of PostgreSQL's COPY text format."""
    return value.translate(_COPY_ESCAPES)


def copy_line(record: JobRecord) -> str:
    """The COPY text line (with its newline) of an accepted record."""
    return (
        f"{record.line}\t{copy_text(record.cluster)}\t{copy_text(record.job_id)}\t{copy_text(record.account)}\t"
        f"{copy_text(record.user)}\t{copy_text(record.partition)}\t{copy_text(record.state)}\t"
        f"{record.start.isoformat()}\t{record.end.isoformat()}\t{record.elapsed}\t{record.gpus}\n"
    )


def _copy_item(item: Item) -> str | Rejected | Skipped:
    return copy_line(item) if type(item) is JobRecord else item


class _FieldCache(dict):
    """Raw field text -> its COPY field (``None`` when invalid): one conversion per distinct value of a file. A hit
    is a plain dict lookup; a miss converts and remembers (up to ``_CACHE_LIMIT`` values)."""

    def __init__(self, convert: Callable[[str], str | int | None]):
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: str) -> str | int | None:
        value = self.convert(raw)
        if len(self) < _CACHE_LIMIT:
            self[raw] = value
        return value


def _or_none(parser: Callable[[str], int]) -> Callable[[str], int | None]:
    def convert(raw: str) -> int | None:
        try:
            return parser(raw)
        except ValueError:  # ParseError, or a digit int() does not read: the record parser decides
            return None

    return convert


def _required(lower: bool) -> Callable[[str], str | None]:
    def convert(raw: str) -> str | None:
        try:
            value = required_text(raw, "")
        except ParseError:
            return None
        return copy_text(value.lower() if lower else value)

    return convert


def _optional(raw: str) -> str:
    return copy_text(raw.strip()[:MAX_TEXT])


# Elapsed times and TRES strings repeat across the files of a cluster: these two caches outlive a file.
_ELAPSED_TIMES = _FieldCache(_or_none(parse_elapsed))
_GPU_COUNTS = _FieldCache(_or_none(parse_tres))


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
    """:func:`~allocations.usage.sacct.parse.parse_sacct`, with each accepted record given as its COPY text line.

    The per-line loop of the import (a million lines a minute): the fast path is inline, with no call per field."""
    numbered = enumerate(lines, 1)
    start = yield from read_header(numbered)
    if start is None:
        return
    positions, width = start.positions, start.width
    if start.first_record is not None:
        number, _line, fields = start.first_record
        yield _copy_item(sacct_record(number, fields, positions))
    job_i, _raw_i, user_i, account_i, partition_i, start_i, end_i, elapsed_i, tres_i, state_i = positions
    accounts, users = _FieldCache(_required(lower=True)), _FieldCache(_required(lower=False))
    elapsed_times, gpu_counts = _ELAPSED_TIMES, _GPU_COUNTS
    partitions, states = _FieldCache(_optional), _FieldCache(_optional)
    for number, raw in numbered:
        if suspect(raw) and (problem := line_problem(raw)):
            yield Rejected(number, Reason.MALFORMED, problem)
            continue
        line = raw.rstrip("\r\n")
        fields = line.split("|")
        if len(fields) != width:  # a blank line has one field, a record at least seven
            if not line.strip():
                yield Skipped(number, SkipReason.BLANK)
            else:
                yield Rejected(number, Reason.MALFORMED, f"{len(fields)} fields instead of {width}")
            continue
        job_text, start_text, end_text = fields[job_i], fields[start_i], fields[end_i]
        if (
            job_text.isdecimal()
            and job_text.isascii()
            and _canonical_time(start_text)
            and _canonical_time(end_text)
            and end_text >= start_text
        ):
            # every check of sacct_record, on the common shapes only
            account, user = accounts[fields[account_i]], users[fields[user_i]]
            elapsed, gpus = elapsed_times[fields[elapsed_i]], gpu_counts[fields[tres_i]]
            if account is not None and user is not None and elapsed is not None and gpus is not None:
                partition = partitions[fields[partition_i]] if partition_i >= 0 else ""
                state = states[fields[state_i]] if state_i >= 0 else ""
                yield (
                    f"{number}\t\t{job_text}\t{account}\t{user}\t{partition}\t{state}\t"
                    f"{start_text}\t{end_text}\t{elapsed}\t{gpus}\n"
                )
                continue
        yield _copy_item(sacct_record(number, fields, positions))


def copy_lines(fmt: str, lines: Iterable[str]) -> Iterator[str | Rejected | Skipped]:
    """:func:`~allocations.usage.sacct.parse.parse` for the import: accepted records come as COPY text lines."""
    if fmt == "sacct":
        return sacct_copy_lines(lines)
    return (_copy_item(item) for item in parse(fmt, lines))
