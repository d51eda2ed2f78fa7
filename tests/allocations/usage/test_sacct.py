"""The pure parsers of job accounting records, on lines that look like real ``sacct --parsable2`` output."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocations.usage import sacct
from allocations.usage.sacct import JobRecord, Reason, Rejected, Skipped, SkipReason

HEADER = "JobID|JobIDRaw|User|Account|Partition|Start|End|Elapsed|AllocTRES|State"
# A 4-GPU training job with its steps, as sacct prints it.
TIMES = "2027-01-15T10:00:00|2027-01-16T12:03:04|1-02:03:04"
JOB = f"4242|4242|alice|gap-2027-000001|booster|{TIMES}|billing=64,cpu=64,gres/gpu=4,mem=512G,node=1|COMPLETED"
BATCH = f"4242.batch|4242.batch||gap-2027-000001||{TIMES}|cpu=64,gres/gpu=4,mem=512G,node=1|COMPLETED"
EXTERN = f"4242.extern|4242.extern||gap-2027-000001||{TIMES}|billing=64,cpu=64,gres/gpu=4,mem=512G,node=1|COMPLETED"
STEP0 = "4242.0|4242.0||gap-2027-000001||2027-01-15T10:00:05|2027-01-16T12:03:00|1-02:02:55|cpu=64,gres/gpu=4|COMPLETED"


def only(items, kind):
    return [i for i in items if isinstance(i, kind)]


# --- TRES -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tres", "gpus"),
    [
        ("billing=64,cpu=64,gres/gpu=4,mem=512G,node=1", 4),
        ("billing=512,cpu=512,gres/gpu=32,mem=4T,node=8", 32),  # multi-node, multi-GPU
        ("cpu=16,gres/gpu:h100=4,mem=256G,node=1", 4),  # typed only
        ("cpu=16,gres/gpu:h100=4,gres/gpu=4,mem=256G,node=1", 4),  # typed and generic: not counted twice
        ("cpu=16,gres/gpu:a100=2,gres/gpu:h100=4,node=2", 6),  # two types, no generic entry
        ("billing=8,cpu=8,mem=32G,node=1", 0),  # a CPU-only job
        ("cpu=8,gres/gpu=0,node=1", 0),
        ("", 0),  # a job cancelled before it got resources
    ],
)
def test_tres_gpu_count(tres, gpus):
    assert sacct.parse_tres(tres) == gpus


@pytest.mark.parametrize(
    "tres",
    ["cpu=8,gres/gpu=four", "cpu=8,gres/gpu=-1", "cpu=8,garbage,node=1", "gres/gpu:h100=x", "gres/gpu=\u00b2"],
)
def test_malformed_tres_is_rejected(tres):
    with pytest.raises(sacct.ParseError) as error:
        sacct.parse_tres(tres)
    assert error.value.reason == Reason.MALFORMED_TRES


# --- Elapsed --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1-02:03:04", 93_784),
        ("02:03:04", 7_384),
        ("03:04", 184),
        ("00:00:00", 0),
        ("13-23:59:59", 13 * 86_400 + 86_399),
        ("00:01:02.345", 62),
    ],
)
def test_elapsed(text, seconds):
    assert sacct.parse_elapsed(text) == seconds


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-00:00:05", Reason.NEGATIVE_ELAPSED),
        ("-1-00:00:00", Reason.NEGATIVE_ELAPSED),
        ("1-25:00:00", Reason.BAD_ELAPSED),
        ("00:61:00", Reason.BAD_ELAPSED),
        ("INVALID", Reason.BAD_ELAPSED),
        ("00:0\u00b2:00", Reason.BAD_ELAPSED),  # a superscript digit is not a number of minutes
        ("12", Reason.BAD_ELAPSED),
        ("x-01:00:00", Reason.BAD_ELAPSED),
    ],
)
def test_bad_elapsed(text, reason):
    with pytest.raises(sacct.ParseError) as error:
        sacct.parse_elapsed(text)
    assert error.value.reason == reason


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=0, max_value=sacct.MAX_ELAPSED))
def test_elapsed_round_trip(seconds):
    days, rest = divmod(seconds, 86_400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    assert sacct.parse_elapsed(f"{days}-{clock}" if days else clock) == seconds


# --- steps, arrays, heterogeneous jobs, running jobs -----------------------------------------------------------------


def test_only_the_allocation_line_counts():
    items = list(sacct.parse_sacct([JOB, BATCH, EXTERN, STEP0]))
    records = only(items, JobRecord)
    assert len(records) == 1
    job = records[0]
    assert (job.job_id, job.account, job.user, job.gpus, job.elapsed) == ("4242", "gap-2027-000001", "alice", 4, 93_784)
    assert job.gpu_seconds == 4 * 93_784
    assert job.start == dt.datetime(2027, 1, 15, 10, 0)
    assert [i.reason for i in only(items, Skipped)] == [SkipReason.STEP] * 3
    assert [i.line for i in only(items, Skipped)] == [2, 3, 4]


def test_array_tasks_and_heterogeneous_components_each_count():
    lines = [
        "500_1|501|bob|acc|booster|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|cpu=8,gres/gpu=1,node=1|COMPLETED",
        "500_2|502|bob|acc|booster|2027-01-15T10:00:00|2027-01-15T10:30:00|30:00|cpu=8,gres/gpu=1,node=1|COMPLETED",
        "500_1.batch|501.batch||acc||2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|cpu=8,gres/gpu=1,node=1|COMPLETED",
        "500_[3-9]|500|bob|acc|booster|Unknown|Unknown|00:00:00|billing=8|PENDING",
        "600+0|600|carl|acc|booster|2027-01-15T10:00:00|2027-01-15T12:00:00|02:00:00|cpu=64,gres/gpu=8,node=1|COMPLETED",
        "600+1|601|carl|acc|cpu|2027-01-15T10:00:00|2027-01-15T12:00:00|02:00:00|cpu=128,node=2|COMPLETED",
        "600+0.0|600.0||acc||2027-01-15T10:00:00|2027-01-15T12:00:00|02:00:00|cpu=64,gres/gpu=8,node=1|COMPLETED",
    ]
    items = list(sacct.parse_sacct(lines))
    records = {r.job_id: r.gpu_seconds for r in only(items, JobRecord)}
    assert records == {"500_1": 3600, "500_2": 1800, "600+0": 8 * 7200, "600+1": 0}
    assert sorted((s.line, s.reason) for s in only(items, Skipped)) == [
        (3, SkipReason.STEP),
        (4, SkipReason.NOT_STARTED),  # a pending array range: its tasks never started
        (7, SkipReason.STEP),
    ]
    assert not only(items, Rejected)


def test_running_jobs_are_skipped_until_finished():
    running = "777|777|alice|acc|booster|2027-01-15T10:00:00|Unknown|05:00:00|cpu=8,gres/gpu=2,node=1|RUNNING"
    never = "778|778|alice|acc|booster|None|2027-01-15T10:00:00|00:00:00||CANCELLED by 1000"
    items = list(sacct.parse_sacct([running, never]))
    assert [(i.line, i.reason) for i in items] == [(1, SkipReason.RUNNING), (2, SkipReason.NOT_STARTED)]


def test_header_is_recognised_and_columns_found_by_name():
    reordered = "JobID|User|Account|Start|End|Elapsed|AllocTRES|State|Partition|JobIDRaw|Cluster"
    line = "9|alice|ACC|2027-01-15T10:00:00|2027-01-15T10:10:00|10:00|cpu=1,gres/gpu:h100=2|COMPLETED|booster|9|jupiter"
    items = list(sacct.parse_sacct([reordered, line]))
    assert isinstance(items[0], Skipped) and items[0].reason == SkipReason.HEADER
    (record,) = only(items, JobRecord)
    assert (record.line, record.account, record.gpus, record.elapsed, record.partition) == (2, "acc", 2, 600, "booster")


def test_with_and_without_header_give_the_same_records():
    def key(items):
        return [(r.job_id, r.gpu_seconds, r.start, r.end) for r in only(items, JobRecord)]

    assert key(sacct.parse_sacct([HEADER, JOB, BATCH])) == key(sacct.parse_sacct([JOB, BATCH]))


def test_a_header_without_required_columns_is_rejected():
    items = list(sacct.parse_sacct(["JobID|User|Start", "1|a|2027-01-01T00:00:00"]))
    assert len(items) == 1 and items[0].reason == Reason.MALFORMED and "Account" in items[0].detail


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1|1|alice|acc|booster|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|cpu=8,gres/gpu=1", Reason.MALFORMED),
        ("1|1|alice|acc|b|2027-13-15T10:00:00|2027-01-15T11:00:00|01:00:00|gres/gpu=1|COMPLETED", Reason.BAD_DATE),
        ("1|1|alice|acc|b|2027-01-15T10:00:00|yesterday|01:00:00|gres/gpu=1|COMPLETED", Reason.BAD_DATE),
        (
            "1|1|alice|acc|b|2027-01-15T10:00:00|2027-01-15T09:00:00|01:00:00|gres/gpu=1|COMPLETED",
            Reason.END_BEFORE_START,
        ),
        (
            "1|1|alice|acc|b|2027-01-15T10:00:00|2027-01-15T11:00:00|-01:00:00|gres/gpu=1|COMPLETED",
            Reason.NEGATIVE_ELAPSED,
        ),
        (
            "1|1|alice|acc|b|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|gres/gpu=one|COMPLETED",
            Reason.MALFORMED_TRES,
        ),
        ("abc|1|alice|acc|b|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|gres/gpu=1|COMPLETED", Reason.BAD_JOB_ID),
        ("1|1|alice||b|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|gres/gpu=1|COMPLETED", Reason.MISSING_FIELD),
    ],
)
def test_each_bad_line_is_rejected_with_its_number_and_reason(line, reason):
    good = "2|2|alice|acc|b|2027-01-15T10:00:00|2027-01-15T11:00:00|01:00:00|gres/gpu=1|COMPLETED"
    items = list(sacct.parse_sacct([good, line, good.replace("2|2", "3|3")]))
    (rejected,) = only(items, Rejected)
    assert (rejected.line, rejected.reason) == (2, reason)
    assert rejected.detail
    assert [r.line for r in only(items, JobRecord)] == [1, 3]  # bad lines never block good ones


# --- CSV and JSON ---------------------------------------------------------------------------------------------------


def test_csv_with_and_without_header():
    rows = [
        "jupiter,11,GAP-1,alice,2027-01-15T10:00:00,2027-01-15T12:00:00,4",
        "jupiter,12,gap-1,alice,2027-01-15T10:00:00,2027-01-15T10:00:00,0",
        "jupiter,13,gap-1,alice,2027-01-15T10:00:00,2027-01-15T11:00:00,-2",
        "jupiter,14,gap-1,alice,2027-01-15T10:00:00,2027-01-15T11:00:00",
        "jupiter,14.batch,gap-1,alice,2027-01-15T10:00:00,2027-01-15T11:00:00,4",
    ]
    for lines, offset in ((rows, 0), (["cluster,job_id,account,user,start,end,gpus", *rows], 1)):
        items = list(sacct.parse_csv(lines))
        records = only(items, JobRecord)
        assert [(r.job_id, r.account, r.gpu_seconds, r.cluster) for r in records] == [
            ("11", "gap-1", 4 * 7200, "jupiter"),
            ("12", "gap-1", 0, "jupiter"),
        ]
        assert [(r.line, r.reason) for r in only(items, Rejected)] == [
            (3 + offset, Reason.BAD_GPUS),
            (4 + offset, Reason.MALFORMED),
        ]


def test_json_records():
    items = list(
        sacct.parse_json_records(
            [
                {
                    "job_id": "1",
                    "account": "a",
                    "user": "u",
                    "start": "2027-01-15T10:00:00Z",
                    "end": "2027-01-15T11:00:00Z",
                    "gpus": 2,
                },
                {
                    "job_id": "2",
                    "account": "a",
                    "user": "u",
                    "start": "2027-01-15T10:00:00",
                    "end": "2027-01-15T11:00:00",
                    "alloc_tres": "cpu=4,gres/gpu:h100=4",
                    "elapsed": "00:30:00",
                },
                {
                    "job_id": "3",
                    "account": "a",
                    "user": "u",
                    "start": "2027-01-15T10:00:00",
                    "end": "2027-01-15T11:00:00",
                    "gpus": True,
                },
                {
                    "job_id": "4",
                    "account": "a",
                    "user": "u",
                    "start": "2027-01-15T10:00:00",
                    "end": "2027-01-15T11:00:00",
                    "gpus": 1,
                    "elapsed": -5,
                },
                "not an object",
                {"job_id": "5", "account": "a", "user": "u", "start": "2027-01-15T10:00:00", "end": None, "gpus": 1},
                {
                    "job_id": "6",
                    "account": "a",
                    "user": "u",
                    "start": "2027-01-15T10:00:00Z",
                    "end": "2027-01-15T11:00:00",
                    "gpus": 1,
                },
            ]
        )
    )
    assert [(r.job_id, r.gpu_seconds) for r in only(items, JobRecord)] == [("1", 7200), ("2", 7200)]
    assert [(r.line, r.reason) for r in only(items, Rejected)] == [
        (3, Reason.BAD_GPUS),
        (4, Reason.NEGATIVE_ELAPSED),
        (5, Reason.MALFORMED),
        (7, Reason.BAD_DATE),
    ]
    assert [(s.line, s.reason) for s in only(items, Skipped)] == [(6, SkipReason.RUNNING)]


@settings(max_examples=60, deadline=None)
@given(
    gpus=st.integers(min_value=0, max_value=64),
    elapsed=st.integers(min_value=0, max_value=30 * 86_400),
    typed=st.booleans(),
)
def test_any_generated_allocation_line_gives_gpus_times_elapsed(gpus, elapsed, typed):
    from tests.factories.usage import sacct_line

    tres = f"cpu=8,gres/gpu:h100={gpus},node=1" if typed else None
    line = sacct_line(account="acc", start=dt.datetime(2027, 1, 1), elapsed=elapsed, gpus=gpus, tres=tres)
    (record,) = list(sacct.parse_sacct([line]))
    assert isinstance(record, JobRecord)
    assert record.gpu_seconds == gpus * elapsed
