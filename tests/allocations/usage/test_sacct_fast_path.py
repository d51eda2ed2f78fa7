"""The import's fast path for sacct files gives exactly what the record parser gives, formatted as COPY text."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocations.usage import sacct

EXTRA_COLUMNS = ("Cluster", "JobName", "NNodes", "QOS", "ExitCode")

job_ids = st.one_of(
    st.integers(1, 10**9).map(str),
    st.tuples(st.integers(1, 10**6), st.integers(0, 999)).map(lambda t: f"{t[0]}_{t[1]}"),
    st.tuples(st.integers(1, 10**6), st.integers(0, 3)).map(lambda t: f"{t[0]}+{t[1]}"),
    st.tuples(st.integers(1, 10**6), st.sampled_from(["batch", "extern", "0", "12"])).map(lambda t: f"{t[0]}.{t[1]}"),
    st.integers(1, 10**6).map(lambda n: f"{n}_[1-4%2]"),
    st.sampled_from(["", "abc", "12a", " 42 ", "٣٤"]),
)
names = st.one_of(
    st.sampled_from(["alice", "Bob", "carol", "dora", " eve ", "", "x" * 65]),
    st.text("abcXYZ_-0189 \\\t", min_size=0, max_size=12),
)
states = st.sampled_from(["COMPLETED", "FAILED", "TIMEOUT", "CANCELLED by 0", "CANCELLED by 1234", "RUNNING", ""])
partitions = st.sampled_from(["booster", "dc-gpu", " gpu ", "", "p" * 70])
moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 1, 1))


@st.composite
def times(draw) -> tuple[str, str]:
    start = draw(moments).replace(microsecond=0)
    end = start + dt.timedelta(seconds=draw(st.integers(-3600, 3 * 86400)))
    odd_starts = st.sampled_from(["None", "Unknown", "2027-13-01T00:00:00"])
    start_text = draw(st.one_of(st.just(start.isoformat()), odd_starts))
    end_text = draw(st.one_of(st.just(end.isoformat()), st.sampled_from(["Unknown", "", "2027-01-01 10:00:00"])))
    return start_text, end_text


@st.composite
def elapsed_times(draw) -> str:
    days, hours = draw(st.integers(0, 400)), draw(st.integers(0, 30))
    minutes, seconds = draw(st.integers(0, 61)), draw(st.integers(0, 61))
    return draw(
        st.sampled_from(
            [
                f"{days}-{hours:02d}:{minutes:02d}:{seconds:02d}",
                f"{hours:02d}:{minutes:02d}:{seconds:02d}",
                f"{minutes:02d}:{seconds:02d}",
                f"{hours:02d}:{minutes:02d}:{seconds:02d}.5",
                "00:00:00",
                "-00:01:00",
                "1:2",
                "nonsense",
            ]
        )
    )


@st.composite
def alloc_tres(draw) -> str:
    gpus = draw(st.integers(0, 16))
    entries = ["billing=64", "cpu=64", "mem=512G", "node=1"]
    kind = draw(st.sampled_from(["generic", "typed", "both", "none", "bad", "huge", "empty"]))
    if kind in ("generic", "both"):
        entries.append(f"gres/gpu={gpus}")
    if kind in ("typed", "both"):
        entries += [f"gres/gpu:h100={gpus}", "gres/gpu:a100=2"]
    if kind == "bad":
        entries.append(draw(st.sampled_from(["gres/gpu=four", "gres/gpu", "=3"])))
    if kind == "huge":
        entries.append("gres/gpu=100001")
    if kind == "empty":
        return ""
    return ",".join(draw(st.permutations(entries)))


@st.composite
def sacct_files(draw) -> list[str]:
    columns = list(sacct.SACCT_FIELDS)
    header = draw(st.booleans())
    if header:
        optional = draw(st.lists(st.sampled_from(["JobIDRaw", "Partition", "State"]), unique=True))
        columns = [c for c in columns if c not in optional]
        columns += draw(st.lists(st.sampled_from(EXTRA_COLUMNS), unique=True))
        columns = draw(st.permutations(columns))
    lines = ["|".join(columns) + "\n"] if header else []
    for _ in range(draw(st.integers(0, 12))):
        start, end = draw(times())
        job_id = draw(job_ids)
        values = {
            "JobID": job_id,
            "JobIDRaw": job_id,
            "User": draw(names),
            "Account": draw(names),
            "Partition": draw(partitions),
            "Start": start,
            "End": end,
            "Elapsed": draw(elapsed_times()),
            "AllocTRES": draw(alloc_tres()),
            "State": draw(states),
        }
        fields = [values.get(column, "x") for column in columns]
        shape = draw(st.sampled_from(["record"] * 8 + ["blank", "short", "nul", "crlf"]))
        line = "|".join(fields)
        if shape == "blank":
            line = " "
        elif shape == "short":
            line = "|".join(fields[:-1])
        elif shape == "nul":
            line += "\x00"
        lines.append(line + ("\r\n" if shape == "crlf" else "\n"))
    return lines


def slow_path(lines: list[str]) -> list:
    return [sacct.copy_line(item) if type(item) is sacct.JobRecord else item for item in sacct.parse_sacct(lines)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=sacct_files())
def test_the_fast_path_gives_what_parsing_then_formatting_gives(lines):
    assert list(sacct.sacct_copy_lines(lines)) == slow_path(lines)


def test_the_generated_files_reach_the_fast_path_and_every_kind_of_rejection():
    lines = [
        "Elapsed|User|QOS|End|AllocTRES|Start|JobID|Account\n",
        "00:10:00|alice|normal|2027-01-15T10:10:00|gres/gpu:h100=4|2027-01-15T10:00:00|42|Proj\n",
        "00:10:00|alice|normal|2027-01-15T10:10:00|gres/gpu=four|2027-01-15T10:00:00|43|Proj\n",
        "00:10:00|alice|normal|Unknown|gres/gpu=1|None|44|Proj\n",
        "00:10:00|alice|normal|2027-01-15T10:10:00|cpu=1\n",
    ]
    assert list(sacct.sacct_copy_lines(lines)) == [
        sacct.Skipped(1, sacct.SkipReason.HEADER),
        "2\t\t42\tproj\talice\t\t\t2027-01-15T10:00:00\t2027-01-15T10:10:00\t600\t4\n",
        sacct.Rejected(3, sacct.Reason.MALFORMED_TRES, "GPU count 'four' is not a whole number"),
        sacct.Skipped(4, sacct.SkipReason.RUNNING),
        sacct.Rejected(5, sacct.Reason.MALFORMED, "5 fields instead of 8"),
    ]
    assert list(sacct.sacct_copy_lines(lines)) == slow_path(lines)
