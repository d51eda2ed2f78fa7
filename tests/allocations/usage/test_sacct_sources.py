"""sacct input the way sites produce it: headers in any order, ``--format=ALL``, ``sacct --json`` of Slurm 21.08 to
24.x, one file-level error for a layout we cannot read, pending array ranges.

The fixtures under ``fixtures/`` are the Slurm testbed's own output (Slurm 22.05.8: a 2-GPU job, a 3-task array of
1-GPU jobs, a held 4-task array cancelled before it started); ``sacct-24.05.json`` is the same jobs in the shapes of
Slurm 24.05's data_parser/v0.0.41 (``state.current`` a list, ``array.task_id`` and times as ``{set, number}``).
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from allocations.usage import sacct, sacct_json
from allocations.usage.sacct import JobRecord, Reason, Rejected, Skipped, SkipReason
from tests.allocations.usage.test_api_and_pages import cluster_api
from tests.factories.usage import cluster_token

FIXTURES = Path(__file__).parent / "fixtures"
# What the testbed's jobs are, in every format: job id -> (GPUs, elapsed seconds).
JOBS = {"2": (2, 3), "3_1": (1, 2), "3_2": (1, 1), "3_3": (1, 1)}


def only(items, kind):
    return [i for i in items if isinstance(i, kind)]


def lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text().splitlines(keepends=True)


def jobs(items) -> dict[str, tuple[int, int]]:
    return {r.job_id: (r.gpus, r.elapsed) for r in only(items, JobRecord)}


@pytest.mark.parametrize("name", ["sacct-22.05-format-all.txt", "sacct-22.05-account-first.txt"])
def test_a_header_in_any_order_with_extra_columns_is_read_by_its_names(name):
    assert lines(name)[0].startswith("Account|")
    for parse in (sacct.parse_sacct, sacct.sacct_copy_lines):
        items = list(parse(lines(name)))
        assert not only(items, Rejected)
        assert [(s.line, s.reason) for s in only(items, Skipped)] == [
            (1, SkipReason.HEADER),
            (6, SkipReason.NOT_STARTED),  # 4_[1-4]: a pending array range, cancelled before it started
        ]
    records = list(sacct.parse_sacct(lines(name)))
    assert jobs(records) == JOBS
    first = only(records, JobRecord)[0]
    assert (first.account, first.user, first.partition, first.start) == (
        "gap-2026-000777",
        "gaptest1",
        "gpu",
        dt.datetime(2026, 12, 7, 4, 30, 4),
    )


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("JobID|User|Start|End\n", "the header lacks Account, Elapsed, AllocTRES; expected"),
        ("id,user,account\n", "the first line is neither a header nor a record (1 fields); expected"),
        ("4242|alice|gap-1|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|gres/gpu=1\n", "(7 fields); expected"),
    ],
)
def test_an_unrecognised_layout_is_one_file_level_error_saying_what_was_expected(first, expected):
    body = [first] + ["4243|alice|gap-1|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|gres/gpu=1\n"] * 500
    for parse in (sacct.parse_sacct, sacct.sacct_copy_lines):
        items = list(parse(body))
        assert len(items) == 1
        assert (items[0].line, items[0].reason) == (1, Reason.MALFORMED)
        assert expected in items[0].detail
        assert "JobID, User, Account, Start, End, Elapsed and AllocTRES" in items[0].detail


@pytest.mark.parametrize("name", ["sacct-22.05.json", "sacct-24.05.json"])
def test_sacct_json_of_each_slurm_generation_gives_the_same_jobs(name):
    items = list(sacct_json.parse_json_lines(lines(name)))

    assert jobs(items) == JOBS
    assert not only(items, Rejected)
    assert [s.reason for s in only(items, Skipped)] == [SkipReason.NOT_STARTED]
    by_id = {r.job_id: r for r in only(items, JobRecord)}
    assert by_id["2"].start == dt.datetime(2026, 12, 7, 4, 30, 4, tzinfo=dt.UTC)  # the testbed runs in UTC
    assert (by_id["2"].state, by_id["2"].cluster, by_id["2"].partition) == ("COMPLETED", "gapcluster", "gpu")


def test_sacct_json_21_08_shapes_and_heterogeneous_components():
    document = {
        "meta": {"plugin": {"type": "openapi/dbv0.0.37"}},
        "jobs": [
            {
                "job_id": 600,
                "account": "GAP-2026-000001",
                "user": "bob",
                "partition": "booster",
                "cluster": "jupiter",
                "array": {"job_id": 0, "task_id": None, "task": None},
                "het": {"job_id": 600, "job_offset": 1},
                "state": {"current": "COMPLETED", "reason": "None"},
                "time": {"start": 1800000000, "end": 1800003600, "elapsed": 3600},
                "tres": {"allocated": [{"type": "gres", "name": "gpu:h100", "id": 1002, "count": 4}]},
                "steps": [{"step": {"id": "600+1.0"}}],
            },
            {"job_id": 601, "account": "a", "user": "b", "time": {"start": 1800000000, "end": 0}},
            {"job_id": 602, "account": "a", "user": "b", "time": {"start": 1800000000, "end": 1700000000}},
            "nonsense",
        ],
    }
    items = list(sacct_json.parse_json_document(document))

    record = items[0]
    assert (record.job_id, record.account, record.gpus, record.gpu_seconds) == ("600+1", "gap-2026-000001", 4, 14400)
    assert items[1] == Skipped(2, SkipReason.RUNNING)
    assert (items[2].line, items[2].reason) == (3, Reason.END_BEFORE_START)
    assert (items[3].line, items[3].reason) == (4, Reason.MALFORMED)


def test_a_json_file_that_is_neither_sacct_json_nor_records_is_one_error():
    assert [(i.line, i.reason) for i in sacct_json.parse_json_lines(['{"hello": 1}'])] == [(1, Reason.MALFORMED)]
    assert [(i.line, i.reason) for i in sacct_json.parse_json_lines(["{nope"])] == [(1, Reason.MALFORMED)]
    assert sacct.sniff_format('{"meta": {}}') == "json" and sacct.sniff_format("JobID|User") == "sacct"


def test_the_push_api_takes_sacct_json_as_it_is(grant, cluster, carol):
    document = json.loads((FIXTURES / "sacct-24.05.json").read_text())
    for job in document["jobs"]:
        job["account"] = grant.slurm_account
        job["cluster"] = cluster.name
        start = int(dt.datetime.combine(grant.starts_on, dt.time(12), tzinfo=dt.UTC).timestamp())
        job["time"]["end"]["number"] += start - job["time"]["start"]
        job["time"]["start"] = start

    response = cluster_api(cluster_token(cluster, by=carol)).post("/api/v1/usage/records/", document, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows_accepted"], body["rows_skipped"], body["rows_rejected"]) == (4, 1, 0)
