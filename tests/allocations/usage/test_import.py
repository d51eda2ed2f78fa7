"""Imports: COPY into staging and one set-based merge. Each job counts once; re-sent records with other values
replace the old ones with their difference on record; bad rows are reported with line numbers and reasons; the
ledger's grant balance is the remaining quota."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from allocations.models.usage import (
    ImportStatus,
    UsageDaily,
    UsageImport,
    UsageImportEvent,
    UsageRecord,
    UsageRecordRevision,
)
from allocations.usage import services
from allocations.usage.sacct import Reason
from ledger.models import Transfer, TransferCode
from tests.allocations.usage.conftest import HOUR, assert_ledger_invariants, balance
from tests.conftest import wait_for
from tests.factories import ClusterFactory, GigafactoryFactory, sacct_line, sacct_upload
from tests.factories.usage import day_start


def run_import(cluster, lines, by, **kwargs) -> UsageImport:
    usage_import = services.usage_import_create(cluster=cluster, upload=sacct_upload(lines, **kwargs), by=by)
    services.usage_import_process(import_id=usage_import.pk)
    usage_import.refresh_from_db()
    return usage_import


def jobs(grant, count, *, gpus=4, elapsed=HOUR, first=1, day=None):
    start = day_start(day or grant.starts_on)
    return [
        sacct_line(account=grant.slurm_account, job_id=str(first + i), start=start, gpus=gpus, elapsed=elapsed)
        for i in range(count)
    ]


def used(grant) -> int:
    return UsageDaily.objects.filter(grant=grant).aggregate(s=Sum("gpu_seconds"))["s"] or 0


def test_the_same_file_imported_twice_gives_the_same_totals(grant, cluster, carol):
    lines = jobs(grant, 50, gpus=4, elapsed=HOUR)
    first = run_import(cluster, lines, carol, header=True)
    assert (first.status, first.rows_accepted, first.rows_new) == (ImportStatus.SUCCEEDED, 50, 50)
    totals = (UsageRecord.objects.count(), used(grant), balance(grant.account), Transfer.objects.count())
    second = run_import(cluster, lines, carol, header=True)
    assert (second.status, second.rows_accepted, second.rows_new, second.rows_unchanged) == ("succeeded", 50, 0, 50)
    assert (UsageRecord.objects.count(), used(grant), balance(grant.account), Transfer.objects.count()) == totals
    assert used(grant) == 50 * 4 * HOUR
    assert balance(grant.account) == grant.granted_seconds - 50 * 4 * HOUR
    assert not UsageRecordRevision.objects.exists()


def test_three_malformed_lines_among_a_thousand(grant, cluster, carol):
    lines = jobs(grant, 1_000, gpus=1, elapsed=60)
    lines[10] = lines[10].replace("gres/gpu=1", "gres/gpu=one")
    lines[500] = lines[500].replace("|00:01:00|", "|-00:01:00|")
    fields = lines[998].split("|")
    lines[998] = "|".join([*fields[:5], "2027-02-30T25:00:00", *fields[6:]])
    report = run_import(cluster, lines, carol)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (1_000, 997, 3)
    assert UsageRecord.objects.count() == 997
    assert report.rejects == [
        [11, Reason.MALFORMED_TRES, "GPU count 'one' is not a whole number"],
        [501, Reason.NEGATIVE_ELAPSED, "elapsed time '-00:01:00' is negative"],
        [999, Reason.BAD_DATE, "Start '2027-02-30T25:00:00' is not a date and time"],
    ]
    assert used(grant) == 997 * 60


def test_unknown_accounts_and_jobs_outside_the_grant_are_rejected(grant, cluster, carol):
    lines = [
        sacct_line(account="nobody-knows", job_id="1", start=day_start(grant.starts_on)),
        sacct_line(account=grant.slurm_account, job_id="2", start=day_start(grant.ends_on + dt.timedelta(days=3))),
        sacct_line(account=grant.slurm_account.upper(), job_id="3", start=day_start(grant.starts_on)),
    ]
    report = run_import(cluster, lines, carol)
    assert report.rows_accepted == 1 and UsageRecord.objects.get().job_id == "3"  # accounts are case-insensitive
    assert [(line, reason) for line, reason, _detail in report.rejects] == [
        (1, Reason.UNKNOWN_ACCOUNT),
        (2, Reason.UNKNOWN_ACCOUNT),
    ]
    assert "nobody-knows" in report.rejects[0][2]


def test_accounts_of_another_gigafactory_do_not_match(grant, carol):
    other = ClusterFactory(name="elsewhere", gigafactory=GigafactoryFactory(slug="elsewhere"))
    report = run_import(other, jobs(grant, 2), carol)
    assert report.rows_accepted == 0 and report.rows_rejected == 2
    assert not UsageRecord.objects.exists()


def test_a_resent_record_with_other_values_replaces_the_old_one_and_records_the_difference(grant, cluster, carol):
    start = day_start(grant.starts_on)
    run_import(
        cluster, [sacct_line(account=grant.slurm_account, job_id="77", start=start, gpus=8, elapsed=HOUR)], carol
    )
    assert balance(grant.account) == grant.granted_seconds - 8 * HOUR
    corrected = sacct_line(account=grant.slurm_account, job_id="77", start=start, gpus=2, elapsed=HOUR)
    report = run_import(cluster, [corrected], carol)
    assert (report.rows_new, report.rows_replaced) == (0, 1)
    record = UsageRecord.objects.get()
    assert (record.gpus, record.gpu_seconds, record.revision) == (2, 2 * HOUR, 2)
    history = UsageRecordRevision.objects.get()
    assert (history.revision, history.gpus, history.gpu_seconds, history.delta_seconds) == (1, 8, 8 * HOUR, -6 * HOUR)
    assert used(grant) == 2 * HOUR
    assert UsageDaily.objects.get(grant=grant).jobs == 1
    # the ledger follows: a reversal gives back the six hours
    assert balance(grant.account) == grant.granted_seconds - 2 * HOUR
    assert Transfer.objects.filter(code=TransferCode.REVERSAL, credit_account=grant.account).get().amount == 6 * HOUR
    assert_ledger_invariants()


def test_a_record_moved_to_another_day_moves_in_the_summary(grant, cluster, carol):
    start = day_start(grant.starts_on)
    run_import(cluster, [sacct_line(account=grant.slurm_account, job_id="5", start=start, elapsed=HOUR)], carol)
    later = start + dt.timedelta(days=1)
    run_import(cluster, [sacct_line(account=grant.slurm_account, job_id="5", start=later, elapsed=HOUR)], carol)
    assert dict(UsageDaily.objects.filter(grant=grant).values_list("day", "gpu_seconds")) == {
        grant.starts_on: 0,
        grant.starts_on + dt.timedelta(days=1): 4 * HOUR,
    }
    assert balance(grant.account) == grant.granted_seconds - 4 * HOUR
    assert_ledger_invariants()


def test_a_job_twice_in_one_file_counts_once_with_its_last_line(grant, cluster, carol):
    start = day_start(grant.starts_on)
    lines = [
        sacct_line(account=grant.slurm_account, job_id="9", start=start, gpus=1),
        sacct_line(account=grant.slurm_account, job_id="9", start=start, gpus=3),
    ]
    report = run_import(cluster, lines, carol)
    assert (report.rows_accepted, report.rows_skipped) == (1, 1)
    assert UsageRecord.objects.get().gpus == 3


def test_steps_and_running_jobs_are_not_counted(grant, cluster, carol):
    start = day_start(grant.starts_on)
    job = sacct_line(account=grant.slurm_account, job_id="31", start=start, gpus=4, elapsed=HOUR)
    lines = [
        job,
        job.replace("31|31|", "31.batch|31.batch|", 1),
        job.replace("31|31|", "31.extern|31.extern|", 1),
        job.replace("31|31|", "31.0|31.0|", 1),
        sacct_line(account=grant.slurm_account, job_id="32", start=start)
        .replace("|COMPLETED", "|RUNNING")
        .replace((start + dt.timedelta(hours=1)).isoformat(), "Unknown"),
    ]
    report = run_import(cluster, lines, carol)
    assert (report.rows_read, report.rows_accepted, report.rows_skipped, report.rows_rejected) == (5, 1, 4, 0)
    assert used(grant) == 4 * HOUR


def test_csv_import_and_rows_of_another_cluster(grant, cluster, carol):
    content = "cluster,job_id,account,user,start,end,gpus\n"
    day = grant.starts_on.isoformat()
    content += f"jupiter,1,{grant.slurm_account},alice,{day}T08:00:00,{day}T10:00:00,2\n"
    content += f"other,2,{grant.slurm_account},alice,{day}T08:00:00,{day}T10:00:00,2\n"
    upload = SimpleUploadedFile("usage.csv", content.encode())
    usage_import = services.usage_import_create(cluster=cluster, upload=upload, by=carol)
    assert usage_import.format == "csv"
    services.usage_import_process(import_id=usage_import.pk)
    usage_import.refresh_from_db()
    assert (usage_import.rows_accepted, usage_import.rows_rejected) == (1, 1)
    assert usage_import.rejects[0][:2] == [3, Reason.WRONG_CLUSTER]
    assert used(grant) == 2 * 2 * HOUR


def test_local_times_are_read_in_the_clusters_zone(grant, cluster, carol):
    # 23:30 to 00:30 in Brussels: the job ended on the next local day, whatever UTC says
    start = dt.datetime.combine(grant.starts_on, dt.time(23, 30))
    run_import(cluster, [sacct_line(account=grant.slurm_account, job_id="1", start=start, elapsed=HOUR)], carol)
    record = UsageRecord.objects.get()
    assert record.day == grant.starts_on + dt.timedelta(days=1)
    assert record.start.astimezone(dt.UTC).hour in (21, 22)  # CEST or CET


def test_use_beyond_the_grant_is_recorded_but_never_overdraws_the_ledger(grant, cluster, carol):
    # 1,000 GPU-hours granted; 1,200 used
    report = run_import(cluster, jobs(grant, 12, gpus=100, elapsed=HOUR), carol)
    assert report.rows_accepted == 12
    assert used(grant) == 1_200 * HOUR
    assert balance(grant.account) == 0
    assert UsageDaily.objects.get(grant=grant).posted_seconds == 1_000 * HOUR
    assert_ledger_invariants()


def test_failed_processing_is_recorded_and_a_finished_import_is_left_alone(grant, cluster, carol):
    usage_import = services.usage_import_create(cluster=cluster, upload=sacct_upload(jobs(grant, 1)), by=carol)
    usage_import.file.delete(save=False)  # the file went missing
    assert services.usage_import_process(import_id=usage_import.pk) == ImportStatus.FAILED
    usage_import.refresh_from_db()
    assert usage_import.status == ImportStatus.FAILED and usage_import.error
    assert services.usage_import_process(import_id=usage_import.pk) == ImportStatus.FAILED  # no transition
    assert list(UsageImportEvent.objects.filter(usage_import=usage_import).values_list("to_status", flat=True)) == [
        "running",
        "failed",
    ]


def test_only_allocation_admins_upload(grant, cluster, alice, bob):
    from django.core.exceptions import PermissionDenied

    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            services.usage_import_create(cluster=cluster, upload=sacct_upload(jobs(grant, 1)), by=user)
    assert not UsageImport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_celery_task_processes_an_upload(celery_worker, grant, cluster, carol):
    usage_import = services.usage_import_create(cluster=cluster, upload=sacct_upload(jobs(grant, 20)), by=carol)
    wait_for(lambda: UsageImport.objects.get(pk=usage_import.pk).status == ImportStatus.SUCCEEDED)
    assert UsageRecord.objects.count() == 20
    assert balance(grant.account) == grant.granted_seconds - 20 * 4 * HOUR


def test_rejects_download_as_csv_safe_against_formulas(grant, cluster, carol_client, carol):
    lines = jobs(grant, 2)
    lines.append(sacct_line(account="=1+2", job_id="3", start=day_start(grant.starts_on)))
    report = run_import(cluster, lines, carol)
    response = carol_client.get(f"/staff/usage/imports/{report.pk}/rejects.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:2] == ["3", Reason.UNKNOWN_ACCOUNT]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
