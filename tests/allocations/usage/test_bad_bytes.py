"""Bytes PostgreSQL text cannot hold (NUL, lone surrogates) and over-long lines cost one line or one record, with
a reason, never the whole import and never a server error; an over-long line is skipped without being read whole."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from allocations.models.usage import ImportStatus, UsageRecord
from allocations.usage import sacct, services
from allocations.usage.services.imports import _file_lines
from tests.allocations.usage.test_api_and_pages import cluster_api, record
from tests.allocations.usage.test_import import jobs, run_import
from tests.factories.usage import cluster_token

NUL = [sacct.Reason.MALFORMED, "contains a NUL byte"]
TOO_LONG = [sacct.Reason.MALFORMED, "the line is longer than 65536 bytes"]


def test_a_nul_byte_rejects_its_line_and_the_rest_imports(grant, cluster, carol):
    lines = jobs(grant, 4)
    lines[1] = lines[1].replace("|alice|", "|a\x00b|")  # the fast path's line shape
    lines[2] = lines[2].replace("|3|3|", "|3_1|3_1|").replace("|alice|", "|al\x00ice|")  # an array task: slow path
    report = run_import(cluster, lines, carol)
    assert report.status == ImportStatus.SUCCEEDED
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 2, 2)
    assert report.rejects == [[2, *NUL], [3, *NUL]]
    assert sorted(UsageRecord.objects.values_list("job_id", flat=True)) == ["1", "4"]


def test_a_nul_byte_in_a_header_file_and_in_csv(grant, cluster, carol):
    lines = jobs(grant, 3)
    lines[0] = lines[0].replace("COMPLETED", "COMPLE\x00TED")
    report = run_import(cluster, lines, carol, header=True)
    assert (report.status, report.rows_accepted, report.rejects) == (ImportStatus.SUCCEEDED, 2, [[2, *NUL]])

    rows = [
        f"{cluster.name},{n},{grant.slurm_account},alice,{grant.starts_on}T08:00:00,{grant.starts_on}T09:00:00,1"
        for n in (10, 11, 12)
    ]
    rows[1] = rows[1].replace("alice", "ali\x00ce")
    upload = SimpleUploadedFile("usage.csv", ("\n".join(rows) + "\n").encode())
    usage_import = services.usage_import_create(cluster=cluster, upload=upload, by=carol)
    services.usage_import_process(import_id=usage_import.pk)
    usage_import.refresh_from_db()
    assert (usage_import.status, usage_import.rows_accepted, usage_import.rejects) == ("succeeded", 2, [[2, *NUL]])


def test_an_overlong_line_is_rejected_and_the_rest_imports(grant, cluster, carol):
    lines = jobs(grant, 3)
    lines[1] = lines[1] + "x" * (3 * sacct.MAX_LINE_BYTES)
    report = run_import(cluster, lines, carol)
    assert (report.status, report.rows_read, report.rows_accepted) == (ImportStatus.SUCCEEDED, 3, 2)
    assert report.rejects == [[2, *TOO_LONG]]


class RecordingFile(io.BytesIO):
    """A file that remembers the longest piece it handed out."""

    longest = 0

    def readline(self, size=-1):
        piece = super().readline(size)
        self.longest = max(self.longest, len(piece))
        return piece

    def __iter__(self):
        raise AssertionError("the reader must ask for bounded lines")


def test_the_reader_never_holds_an_overlong_line():
    limit = sacct.MAX_LINE_BYTES
    content = b"first\n" + b"y" * (10 * limit) + b"\n" + b"z" * (limit - 1) + b"\n" + b"w" * (limit + 5)
    handle = RecordingFile(content)
    lines = list(_file_lines(handle))
    assert lines[0] == "first\n"
    assert type(lines[1]) is sacct.OverlongLine
    assert lines[2] == "z" * (limit - 1) + "\n"  # exactly the limit with its line break: kept
    assert type(lines[3]) is sacct.OverlongLine  # the last line, without a line break
    assert len(lines) == 4
    assert handle.longest <= limit + 1


def test_parsers_reject_lines_postgresql_cannot_store():
    lone_surrogate = "1|1|\ud800|acct|booster|2027-01-01T00:00:00|2027-01-01T01:00:00|01:00:00|gres/gpu=1|COMPLETED"
    fast = list(sacct.sacct_copy_lines([lone_surrogate]))
    slow = list(sacct.parse_sacct([lone_surrogate]))
    for items in (fast, slow):
        assert items == [sacct.Rejected(1, "malformed", "contains a character that cannot be stored as text")]
    accented = lone_surrogate.replace("\ud800", "zoë")
    assert isinstance(next(sacct.parse_sacct([accented])), sacct.JobRecord)


@pytest.fixture
def key(cluster, carol):
    return cluster_token(cluster, by=carol)


def test_the_push_api_rejects_the_record_not_the_batch(grant, key):
    bad_user = record(grant, "2", user="a\u0000b")
    response = cluster_api(key).post("/api/v1/usage/records/", [record(grant, "1"), bad_user], format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["rows_accepted"], body["rows_rejected"]) == ("succeeded", 1, 1)
    assert body["rejects"] == [{"line": 2, "reason": "malformed", "detail": "contains a NUL byte"}]
    # A lone surrogate can only arrive as a JSON escape; it is rejected the same way.
    raw = json.dumps([record(grant, "3"), record(grant, "4", account="\ud800")])
    response = cluster_api(key).post("/api/v1/usage/records/", raw, content_type="application/json")
    assert response.status_code == 200, response.content
    detail = "contains a character that cannot be stored as text"
    assert response.json()["rejects"] == [{"line": 2, "reason": "malformed", "detail": detail}]
    assert sorted(UsageRecord.objects.values_list("job_id", flat=True)) == ["1", "3"]


def _sacct_json_for(grant, cluster) -> dict:
    from tests.allocations.usage.test_sacct_sources import FIXTURES

    document = json.loads((FIXTURES / "sacct-24.05.json").read_text())
    start = int(dt.datetime.combine(grant.starts_on, dt.time(12), tzinfo=dt.UTC).timestamp())
    for job in document["jobs"]:
        job["account"], job["cluster"] = grant.slurm_account, cluster.name
        job["time"]["end"]["number"] += start - job["time"]["start"]
        job["time"]["start"] = start
    return document


def test_sacct_json_rejects_the_job_not_the_document(grant, cluster, carol, key):
    document = _sacct_json_for(grant, cluster)
    document["jobs"][0]["user"] = "a\u0000b"
    response = cluster_api(key).post("/api/v1/usage/records/", document, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows_accepted"], body["rows_rejected"]) == (3, 1)
    assert body["rejects"] == [{"line": 1, "reason": "malformed", "detail": "contains a NUL byte"}]
    # The same document uploaded as one compact line longer than 64 KB: JSON is read whole, not cut at 64 KB.
    UsageRecord.objects.all().delete()
    document["meta"] = {"padding": "p" * (2 * sacct.MAX_LINE_BYTES)}
    upload = SimpleUploadedFile("sacct.json", json.dumps(document).encode())
    usage_import = services.usage_import_create(cluster=cluster, upload=upload, by=carol)
    services.usage_import_process(import_id=usage_import.pk)
    usage_import.refresh_from_db()
    assert (usage_import.status, usage_import.rows_accepted, usage_import.rejects) == ("succeeded", 3, [[1, *NUL]])
