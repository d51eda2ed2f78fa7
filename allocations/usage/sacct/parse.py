"""The parsers of records (the slow path): sacct ``--parsable2``, plain CSV and the API's JSON records, each
yielding a JobRecord, Rejected or Skipped per line. The inputs and counting rules are in the package docstring
(``allocations/usage/sacct/__init__.py``)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping

from allocations.usage.sacct.fields import (
    check_times,
    is_step,
    parse_elapsed,
    parse_gpus,
    parse_job_id,
    parse_time,
    parse_tres,
    required_text,
)
from allocations.usage.sacct.header import read_header
from allocations.usage.sacct.records import (
    MAX_ELAPSED,
    MAX_TEXT,
    UNKNOWN_TIMES,
    Item,
    JobRecord,
    ParseError,
    Reason,
    Rejected,
    Skipped,
    SkipReason,
    line_problem,
    storable,
    suspect,
)

CSV_FIELDS = ("cluster", "job_id", "account", "user", "start", "end", "gpus")

# A pending job array's line (``123_[1-3]``, ``123_[1,4-6%2]``): its tasks never started.
_PENDING_ARRAY = re.compile(r"\d+_\[[0-9,\-%:]*\](?:\+\d+)?")


def is_pending_array(job_id: str) -> bool:
    return bool(_PENDING_ARRAY.fullmatch(job_id.strip()))


def parse_sacct(lines: Iterable[str]) -> Iterator[Item]:
    """Parse ``sacct --parsable2`` output line by line (header optional). Line numbers start at 1."""
    numbered = enumerate(lines, 1)
    start = yield from read_header(numbered)
    if start is None:
        return
    positions, width = start.positions, start.width
    if start.first_record is not None:
        number, _line, fields = start.first_record
        yield sacct_record(number, fields, positions)
    for number, raw in numbered:
        if suspect(raw) and (problem := line_problem(raw)):
            yield Rejected(number, Reason.MALFORMED, problem)
            continue
        line = raw.rstrip("\r\n")
        if not line.strip():
            yield Skipped(number, SkipReason.BLANK)
            continue
        fields = line.split("|")
        if len(fields) != width:
            yield Rejected(number, Reason.MALFORMED, f"{len(fields)} fields instead of {width}")
            continue
        yield sacct_record(number, fields, positions)


def sacct_record(number: int, fields: list[str], positions: tuple[int, ...]) -> Item:
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
        check_times(start, end)
        return JobRecord(
            line=number,
            job_id=job_id,
            account=required_text(fields[account_i], "Account").lower(),
            user=required_text(fields[user_i], "User"),
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


def parse_csv(lines: Iterable[str]) -> Iterator[Item]:
    """Parse ``cluster,job_id,account,user,start,end,gpus`` rows (header optional); elapsed is ``end - start``."""
    problems: dict[int, str] = {}

    def checked(lines: Iterable[str]) -> Iterator[str]:
        # A line that cannot be stored reaches the CSV reader as a blank line and is rejected below.
        for number, line in enumerate(lines, 1):
            if suspect(line) and (problem := line_problem(line)):
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
            check_times(start, end)
            yield JobRecord(
                line=number,
                job_id=parse_job_id(job_text),
                account=required_text(account, "account").lower(),
                user=required_text(user, "user"),
                start=start,
                end=end,
                elapsed=int((end - start).total_seconds()),
                gpus=parse_gpus(gpus_text),
                cluster=required_text(cluster, "cluster"),
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
    check_times(start, end)
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
        account=required_text(_required(record, "account"), "account").lower(),
        user=required_text(_required(record, "user"), "user"),
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
        from allocations.usage.sacct_json import parse_json_lines  # it builds on this package

        return parse_json_lines(lines)
    raise ValueError(f"unknown format {fmt!r}")


def sniff_format(first_line: str) -> str:
    """Guess the format of a file from its first line: a brace or bracket means JSON, pipes sacct, commas CSV."""
    start = first_line.lstrip("\ufeff \t\r\n")[:1]
    if start in ("{", "["):
        return "json"
    return "sacct" if "|" in first_line else "csv"
