"""The usage table's references are checked once per statement by triggers (migration 0009) instead of per-row
foreign keys: a record must name an existing cluster, grant and import; a cluster or grant with records cannot be
deleted; deleting an import clears it from its records; and a delete racing an insert cannot leave an orphan."""

import threading
import time

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from allocations.models.capacity import Grant
from allocations.models.usage import Cluster, UsageImport, UsageRecord
from tests.allocations.usage.test_import import jobs, run_import
from tests.factories.usage import active_grant

COLUMNS = (
    'cluster_id, job_id, grant_id, account, "user", partition, state, start, "end", day, elapsed_seconds, gpus, '
    "gpu_seconds, revision, usage_import_id, updated_at"
)


def insert_record(cursor, *, cluster_id: int, grant_id: int, job_id: str = "9001", import_id: int | None = None):
    cursor.execute(
        f"INSERT INTO allocations_usagerecord ({COLUMNS}) VALUES "  # noqa: S608 (constant columns)
        "(%s, %s, %s, 'acct', 'alice', '', '', now() - interval '1 hour', now(), current_date, 3600, 1, 3600, 1, "
        "%s, now())",
        [cluster_id, job_id, grant_id, import_id],
    )


@pytest.fixture
def imported(grant, cluster, carol):
    report = run_import(cluster, jobs(grant, 3), carol)
    assert report.rows_new == 3
    return report


def test_a_record_must_name_an_existing_grant_cluster_and_import(grant, cluster):
    missing = Grant.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    cases = [
        ({"cluster_id": cluster.pk, "grant_id": missing}, f"grant {missing}"),
        ({"cluster_id": cluster.pk + 1000, "grant_id": grant.pk}, f"cluster {cluster.pk + 1000}"),
        ({"cluster_id": cluster.pk, "grant_id": grant.pk, "import_id": 10**9}, f"import {10**9}"),
    ]
    with connection.cursor() as cursor:
        for values, named in cases:
            with pytest.raises(IntegrityError, match=f"refers to {named} which does not exist"), transaction.atomic():
                insert_record(cursor, **values)
        insert_record(cursor, cluster_id=cluster.pk, grant_id=grant.pk)  # the valid row goes in
    assert UsageRecord.objects.filter(job_id="9001").count() == 1


def test_an_update_is_checked_too(imported, grant):
    with pytest.raises(IntegrityError, match="refers to grant"), transaction.atomic():
        UsageRecord.objects.filter(grant=grant).update(grant_id=grant.pk + 1000)
    assert UsageRecord.objects.filter(grant=grant).count() == 3


def test_a_grant_or_cluster_with_records_cannot_be_deleted(imported, grant, cluster):
    with connection.cursor() as cursor:
        with pytest.raises(IntegrityError, match="still has usage records"), transaction.atomic():
            cursor.execute("DELETE FROM allocations_grant WHERE id = %s", [grant.pk])
        with pytest.raises(IntegrityError, match="still has usage records"), transaction.atomic():
            cursor.execute("DELETE FROM allocations_cluster WHERE id = %s", [cluster.pk])
    with pytest.raises(ProtectedError):  # the ORM refuses first, as with a foreign key
        Cluster.objects.filter(pk=cluster.pk).delete()
    assert Grant.objects.filter(pk=grant.pk).exists() and Cluster.objects.filter(pk=cluster.pk).exists()


def test_an_import_with_records_is_cleared_by_the_orm_and_refused_raw(imported):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM allocations_usageimportevent WHERE usage_import_id = %s", [imported.pk])
        with pytest.raises(IntegrityError, match="still has usage records"), transaction.atomic():
            cursor.execute("DELETE FROM allocations_usageimport WHERE id = %s", [imported.pk])
    UsageImport.objects.filter(pk=imported.pk).delete()  # on_delete=SET_NULL clears the records first
    assert list(UsageRecord.objects.values_list("usage_import_id", flat=True)) == [None, None, None]


@pytest.mark.django_db(transaction=True)  # TRUNCATE refuses to run in a transaction with deferred checks pending
@pytest.mark.parametrize("table", ["allocations_cluster", "allocations_grant", "allocations_usageimport"])
def test_a_referenced_row_cannot_be_renumbered_and_its_table_not_truncated(imported, table):
    referenced = {
        "allocations_cluster": imported.cluster_id,
        "allocations_grant": UsageRecord.objects.values_list("grant_id", flat=True).first(),
        "allocations_usageimport": imported.pk,
    }[table]
    with connection.cursor() as cursor:
        with pytest.raises(IntegrityError, match="still has usage records"), transaction.atomic():
            cursor.execute(f"UPDATE {table} SET id = id + 100000 WHERE id = %s", [referenced])  # noqa: S608
        with pytest.raises(IntegrityError, match="while usage records refer to it"), transaction.atomic():
            cursor.execute(f"TRUNCATE {table} CASCADE")
        # together with the usage table (as a test database flush does) it is allowed
        with transaction.atomic():
            cursor.execute(f"TRUNCATE allocations_usagerecord, {table} CASCADE")
            transaction.set_rollback(True)
    assert UsageRecord.objects.count() == 3


def _dsn() -> str:
    settings = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


def _someone_waits_for_a_lock(timeout: float = 10.0) -> bool:
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["insert", "delete"])
def test_a_delete_racing_an_insert_leaves_no_orphan(first, carol, gigafactory, cluster):
    """Two connections: one inserts a record of a grant that has none, the other deletes that grant. The second
    waits for the first's lock (checked in pg_stat_activity before the first commits); whichever goes first, it
    succeeds, the other is refused, and no record is left without its grant."""
    spare = active_grant(by=carol, gigafactory=gigafactory, hours=10)  # a grant nothing else refers to yet
    outcome: dict[str, str] = {}
    holding, release = threading.Event(), threading.Event()

    def insert(cursor):
        insert_record(cursor, cluster_id=cluster.pk, grant_id=spare.pk)

    def delete(cursor):
        cursor.execute("DELETE FROM allocations_grant WHERE id = %s", [spare.pk])

    def run(name, work, hold):
        with psycopg.connect(_dsn(), autocommit=True) as conn:
            try:
                with conn.transaction(), conn.cursor() as cursor:
                    work(cursor)
                    if hold:  # keep the transaction open until the other one is seen waiting
                        holding.set()
                        release.wait(10)
                outcome[name] = "ok"
            except psycopg.errors.ForeignKeyViolation as exc:
                outcome[name] = f"refused: {exc.diag.message_primary}"

    order = [("insert", insert), ("delete", delete)]
    if first == "delete":
        order.reverse()
    leader = threading.Thread(target=run, args=(*order[0], True))
    follower = threading.Thread(target=run, args=(*order[1], False))
    leader.start()
    assert holding.wait(10)
    follower.start()
    try:
        assert _someone_waits_for_a_lock(), "the second transaction did not wait for the first one's lock"
    finally:
        release.set()
        leader.join(10)
        follower.join(10)
    winner, loser = order[0][0], order[1][0]
    assert outcome[winner] == "ok"
    assert outcome[loser].startswith("refused")
    assert UsageRecord.objects.exclude(grant_id__in=Grant.objects.values("pk")).count() == 0
    assert Grant.objects.filter(pk=spare.pk).exists() == (winner == "insert")
