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

The package: ``records`` (what a line gives), ``fields`` (field parsers), ``header`` (the one reader of a sacct
file's header, shared by both paths), ``parse`` (the parsers of records, the slow path), ``copy`` (COPY text and
the import's fast path for sacct files).
"""

from allocations.usage.sacct.copy import copy_line, copy_lines, copy_text, sacct_copy_lines
from allocations.usage.sacct.fields import is_step, parse_elapsed, parse_gpus, parse_job_id, parse_time, parse_tres
from allocations.usage.sacct.header import (
    EXPECTED,
    KNOWN_COLUMNS,
    REQUIRED_SACCT,
    SACCT_FIELDS,
    Start,
    read_header,
    sacct_layout,
)
from allocations.usage.sacct.parse import (
    CSV_FIELDS,
    is_pending_array,
    parse,
    parse_csv,
    parse_json_records,
    parse_sacct,
    sacct_record,
    sniff_format,
)
from allocations.usage.sacct.records import (
    MAX_ELAPSED,
    MAX_GPUS,
    MAX_LINE_BYTES,
    MAX_TEXT,
    UNKNOWN_TIMES,
    Item,
    JobRecord,
    OverlongLine,
    ParseError,
    Reason,
    Rejected,
    Skipped,
    SkipReason,
    line_problem,
    storable,
)

__all__ = [
    "CSV_FIELDS",
    "EXPECTED",
    "KNOWN_COLUMNS",
    "MAX_ELAPSED",
    "MAX_GPUS",
    "MAX_LINE_BYTES",
    "MAX_TEXT",
    "REQUIRED_SACCT",
    "SACCT_FIELDS",
    "UNKNOWN_TIMES",
    "Item",
    "JobRecord",
    "OverlongLine",
    "ParseError",
    "Reason",
    "Rejected",
    "SkipReason",
    "Skipped",
    "Start",
    "copy_line",
    "copy_lines",
    "copy_text",
    "is_pending_array",
    "is_step",
    "line_problem",
    "parse",
    "parse_csv",
    "parse_elapsed",
    "parse_gpus",
    "parse_job_id",
    "parse_json_records",
    "parse_sacct",
    "parse_time",
    "parse_tres",
    "read_header",
    "sacct_copy_lines",
    "sacct_layout",
    "sacct_record",
    "sniff_format",
    "storable",
]
