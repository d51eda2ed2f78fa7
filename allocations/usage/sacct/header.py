"""The one reader of a sacct ``--parsable2`` file's first lines, shared by the record parser and the COPY fast
path: column names in any order, extra columns ignored, or the default layout when there is no header."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from allocations.usage.sacct.records import Reason, Rejected, Skipped, SkipReason, line_problem, suspect

SACCT_FIELDS = ("JobID", "JobIDRaw", "User", "Account", "Partition", "Start", "End", "Elapsed", "AllocTRES", "State")
REQUIRED_SACCT = ("JobID", "User", "Account", "Start", "End", "Elapsed", "AllocTRES")


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


@dataclass(frozen=True, slots=True)
class Start:
    """Where the records of a file begin: the index of each of ``SACCT_FIELDS`` in a line (-1 when the header lacks
    an optional column), the number of fields of a line, and the first line when it is a record (no header)."""

    positions: tuple[int, ...]
    width: int
    first_record: tuple[int, str, list[str]] | None = None


def read_header(numbered: Iterator[tuple[int, str]]) -> Generator[Rejected | Skipped, None, Start | None]:
    """Read ``(number, line)`` pairs up to the first line that is neither blank nor unstorable, yielding what the
    lines read gave (blank, rejected, the header). Returns where the records begin, or ``None`` when the file ends
    first or its first line is rejected (then nothing after it is read)."""
    for number, raw in numbered:
        if suspect(raw) and (problem := line_problem(raw)):
            yield Rejected(number, Reason.MALFORMED, problem)
            continue
        line = raw.rstrip("\r\n")
        if not line.strip():
            yield Skipped(number, SkipReason.BLANK)
            continue
        fields = line.split("|")
        layout = sacct_layout(number, fields)
        if isinstance(layout, Rejected):
            yield layout
            return None
        if layout is None:
            return Start(tuple(range(len(SACCT_FIELDS))), len(SACCT_FIELDS), (number, line, fields))
        yield Skipped(number, SkipReason.HEADER)
        return Start(*layout)
    return None
