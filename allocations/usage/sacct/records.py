"""What the parsers give per line: accepted records, rejections with their reason, skipped lines; and the
checks that a line's text can be stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def suspect(line: str) -> bool:
    """The cheap test of every line (``isascii`` is a flag in CPython): only a suspect line gets ``line_problem``."""
    return type(line) is not str or "\x00" in line or not line.isascii() or len(line) > MAX_LINE_BYTES


def storable(item: Item) -> Item:
    """``item``, or a ``Rejected`` when a record not read from one line (JSON) holds text that cannot be stored."""
    if type(item) is JobRecord:
        for value in (item.job_id, item.account, item.user, item.partition, item.state, item.cluster):
            if suspect(value) and (problem := line_problem(value)):
                return Rejected(item.line, Reason.MALFORMED, problem)
    return item
