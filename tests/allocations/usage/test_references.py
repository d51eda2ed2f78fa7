"""The usage table's references are checked once per statement by triggers (migration 0009) instead of per-row
foreign keys: a record must name an existing cluster, grant and import; a cluster or grant with records cannot be
deleted; deleting an import clears it from its records; and a delete racing an insert cannot leave an orphan."""

import threading

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from allocations.capacity_models import Grant
from allocations.usage_models import Cluster, UsageImport, UsageRecord
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


def test_deleting_an_import_clears_it_from_its_records(imported):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM allocations_usageimportevent WHERE usage_import_id = %s", [imported.pk])
        cursor.execute("DELETE FROM allocations_usageimport WHERE id = %s", [imported.pk])
    assert not UsageImport.objects.filter(pk=imported.pk).exists()
    assert list(UsageRecord.objects.values_list("usage_import_id", flat=True)) == [None, None, None]


def _dsn() -> str:
    settings = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["insert", "delete"])
def test_a_delete_racing_an_insert_leaves_no_orphan(first, carol, gigafactory, cluster):
    """Two connections: one inserts a record of a grant that has none, the other deletes that grant. Whichever
    goes first, exactly one of them succeeds and no record is left without its grant."""
    spare = active_grant(by=carol, gigafactory=gigafactory, hours=10)  # a grant nothing else refers to yet
    outcome: dict[str, str] = {}
    started = threading.Event()

    def insert(conn):
        with conn.transaction():
            with conn.cursor() as cursor:
                insert_record(cursor, cluster_id=cluster.pk, grant_id=spare.pk)
            started.set()
            threading.Event().wait(0.5)  # hold the lock while the delete tries
        outcome["insert"] = "ok"

    def delete(conn):
        with conn.transaction():
            with conn.cursor() as cursor:
                cursor.execute("DELETE FROM allocations_grant WHERE id = %s", [spare.pk])
            started.set()
            threading.Event().wait(0.5)
        outcome["delete"] = "ok"

    def run(name, work):
        with psycopg.connect(_dsn(), autocommit=True) as conn:
            try:
                work(conn)
            except psycopg.errors.ForeignKeyViolation as exc:
                outcome[name] = f"refused: {exc.diag.message_primary}"

    order = [("insert", insert), ("delete", delete)]
    if first == "delete":
        order.reverse()
    threads = [threading.Thread(target=run, args=pair) for pair in order]
    threads[0].start()
    assert started.wait(5)
    threads[1].start()
    for thread in threads:
        thread.join(10)
    winner, loser = (order[0][0], order[1][0])
    assert outcome[winner] == "ok"
    assert outcome[loser].startswith("refused")
    orphans = UsageRecord.objects.exclude(grant_id__in=Grant.objects.values("pk")).count()
    assert orphans == 0
    assert Grant.objects.filter(pk=spare.pk).exists() == (winner == "insert")
