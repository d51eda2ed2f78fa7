"""``sacct --json`` output, as Slurm 21.08 to 25.x print it (pure Python, no Django, no I/O).

A document is ``{"meta": ..., "errors": [...], "jobs": [...]}``; each job is one allocation (its ``steps`` are
ignored: their GPUs are the allocation's). The shapes differ between versions, and each is read:

- ``job_id`` is the job's own id; an array task is ``array.job_id`` + ``_`` + ``array.task_id``, where
  ``task_id`` is a number (21.08 to 22.05) or ``{"set": true, "number": N}`` (23.02 and later); a pending array
  range has no task id but a ``task`` string (a bitmap, e.g. ``"0x1E"``, or ``"1-4"``) and never started;
- a heterogeneous component is ``het.job_id`` + ``+`` + ``het.job_offset`` (number or ``{set, number}``);
- ``state.current`` is a string (up to 22.05) or a list of flags (23.02 and later: the first is the state);
- ``time.start``/``time.end``/``time.elapsed`` are epoch seconds, plain or ``{set, number}``; 0 means "not yet";
- GPUs are the ``tres.allocated`` entries of type ``gres`` named ``gpu`` (typed ``gpu:h100`` ones are summed
  when the generic one is absent).

Each job becomes a :class:`~allocations.usage.sacct.JobRecord` (times in UTC), a ``Rejected`` or a ``Skipped``,
numbered by its position in ``jobs`` from 1, exactly like the API's JSON records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping

from allocations.usage.sacct import (
    MAX_ELAPSED,
    MAX_GPUS,
    MAX_TEXT,
    Item,
    JobRecord,
    ParseError,
    Reason,
    Rejected,
    Skipped,
    SkipReason,
    parse_json_records,
    storable,
)


def is_sacct_json(document: object) -> bool:
    return isinstance(document, Mapping) and isinstance(document.get("jobs"), list)


def number(value: object) -> int | None:
    """A plain or ``{"set", "infinite", "number"}`` integer; ``None`` when unset or infinite."""
    if isinstance(value, Mapping):
        if not value.get("set", True) or value.get("infinite"):
            return None
        value = value.get("number")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    raise ParseError(Reason.MALFORMED, f"{str(value)[:MAX_TEXT]!r} is not a number")


def _job_id(job: Mapping) -> str | None:
    """The JobID as sacct prints it, or ``None`` for a pending array range."""
    own = number(job.get("job_id"))
    if own is None:
        raise ParseError(Reason.MISSING_FIELD, "job_id is missing")
    array = job.get("array") if isinstance(job.get("array"), Mapping) else {}
    array_id = number(array.get("job_id")) or 0
    task = number(array.get("task_id"))
    if array_id and task is not None:
        job_id = f"{array_id}_{task}"
    elif array_id and array.get("task"):
        return None
    else:
        job_id = str(own)
    het = job.get("het") if isinstance(job.get("het"), Mapping) else {}
    het_id = number(het.get("job_id")) or 0
    offset = number(het.get("job_offset"))
    if het_id and offset is not None:
        job_id = f"{het_id}+{offset}"
    return job_id


def _state(job: Mapping) -> str:
    state = job.get("state")
    current = state.get("current") if isinstance(state, Mapping) else state
    if isinstance(current, list):
        current = current[0] if current else ""
    return str(current or "").strip()[:MAX_TEXT]


def _gpus(job: Mapping) -> int:
    tres = job.get("tres") if isinstance(job.get("tres"), Mapping) else {}
    allocated = tres.get("allocated") or []
    if not isinstance(allocated, list):
        raise ParseError(Reason.MALFORMED_TRES, "tres.allocated is not a list")
    generic, typed = None, 0
    for entry in allocated:
        if not isinstance(entry, Mapping) or entry.get("type") != "gres":
            continue
        name = str(entry.get("name") or "")
        count = number(entry.get("count")) or 0
        if name == "gpu":
            generic = count
        elif name.startswith("gpu:"):
            typed += count
    gpus = generic if generic is not None else typed
    if gpus > MAX_GPUS:
        raise ParseError(Reason.MALFORMED_TRES, f"{gpus} GPUs is more than a job can hold")
    return gpus


def _text(job: Mapping, key: str) -> str:
    value = job.get(key)
    if isinstance(value, Mapping):  # 21.08 nests some names, e.g. {"association": {"account": ...}}
        value = value.get("name")
    text = str(value or "").strip()
    if not text:
        raise ParseError(Reason.MISSING_FIELD, f"{key} is empty")
    if len(text) > MAX_TEXT:
        raise ParseError(Reason.MISSING_FIELD, f"{key} is longer than {MAX_TEXT} characters")
    return text


def _epoch(value: int, field: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ParseError(Reason.BAD_DATE, f"{field} {value} is not a time") from None


def _job(line: int, job: Mapping) -> Item:
    job_id = _job_id(job)
    if job_id is None:
        return Skipped(line, SkipReason.NOT_STARTED)
    times = job.get("time") if isinstance(job.get("time"), Mapping) else {}
    start, end = number(times.get("start")), number(times.get("end"))
    if not end:
        return Skipped(line, SkipReason.RUNNING)
    if not start:
        return Skipped(line, SkipReason.NOT_STARTED)
    if end < start:
        raise ParseError(Reason.END_BEFORE_START, f"end {end} is before start {start}")
    elapsed = number(times.get("elapsed"))
    elapsed = end - start if elapsed is None else elapsed
    if elapsed < 0:
        raise ParseError(Reason.NEGATIVE_ELAPSED, f"elapsed {elapsed} is negative")
    if elapsed > MAX_ELAPSED:
        raise ParseError(Reason.BAD_ELAPSED, f"elapsed {elapsed} is longer than a year")
    partition = job.get("partition")
    return JobRecord(
        line=line,
        job_id=job_id,
        account=_text(job, "account").lower(),
        user=_text(job, "user"),
        start=_epoch(start, "start"),
        end=_epoch(end, "end"),
        elapsed=elapsed,
        gpus=_gpus(job),
        partition=str(partition or "").strip()[:MAX_TEXT] if not isinstance(partition, Mapping) else "",
        state=_state(job),
        cluster=str(job.get("cluster") or "").strip()[:MAX_TEXT],
    )


def parse_sacct_json(document: Mapping) -> Iterator[Item]:
    """The jobs of a ``sacct --json`` document, numbered from 1."""
    for line, job in enumerate(document.get("jobs") or (), 1):
        if not isinstance(job, Mapping):
            yield Rejected(line, Reason.MALFORMED, "a job must be an object")
            continue
        try:
            yield storable(_job(line, job))
        except ParseError as error:
            yield Rejected(line, error.reason, error.detail)


def parse_json_document(document: object) -> Iterator[Item]:
    """``sacct --json`` output, a list of API records or ``{"records": [...]}``; anything else is one error."""
    if is_sacct_json(document):
        return parse_sacct_json(document)
    if isinstance(document, Mapping) and isinstance(document.get("records"), list):
        document = document["records"]
    if isinstance(document, list):
        return parse_json_records(document)
    return iter(
        [
            Rejected(
                1,
                Reason.MALFORMED,
                'expected the output of sacct --json (an object with "jobs") or a list of records',
            )
        ]
    )


def parse_json_lines(lines: Iterable[str]) -> Iterator[Item]:
    """A JSON file read whole (``sacct --json`` prints one document)."""
    try:
        document = json.loads("".join(lines))
    except ValueError as error:
        return iter([Rejected(1, Reason.MALFORMED, f"the file is not JSON: {error}")])
    return parse_json_document(document)
