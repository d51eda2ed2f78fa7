"""The usage table's references (cluster, grant, import) are checked once per statement instead of once per row.

PostgreSQL checks a foreign key with one locking lookup per inserted row; for a million-row import on a 2-core
machine that was about 10 of 18 seconds. The constraints are replaced by triggers:

- after each INSERT or UPDATE of usage records, one statement-level trigger collects the distinct clusters,
  grants and imports the statement wrote, locks them FOR KEY SHARE (as a foreign key check does, so a concurrent
  delete waits for this transaction, or, having deleted first, makes this check fail) and raises
  foreign_key_violation naming the first missing one;
- deleting a cluster, grant or import that usage records refer to, or changing its id, raises
  foreign_key_violation (RESTRICT; the ORM's on_delete rules run first as before: PROTECT for clusters and
  grants, SET NULL for imports, so an import deleted through the ORM clears its records first);
- truncating one of those tables while usage records exist raises foreign_key_violation (truncating them
  together with the usage table, as a test database flush does, is allowed).

Differences from foreign keys, accepted for the speed: the checks run at the end of each statement, not at
commit (no "child first, parent later" inside one transaction); the guarantee against a concurrent delete
holds at READ COMMITTED, the isolation level the portal runs at (at REPEATABLE READ a delete could miss a record
committed after its snapshot); and `ALTER TABLE ... DISABLE TRIGGER USER` switches the checks off.

The ORM keeps the relations (``db_constraint=False``). The reverse migration drops the triggers and adds the
foreign keys back (then the code's merge must be the one that defers them, so reverse this with the code).
"""

import django.db.models.deletion
from django.db import migrations, models


# The tables the usage records refer to.
PARENTS = ("allocations_cluster", "allocations_grant", "allocations_usageimport")

SQL = [
    """
    CREATE FUNCTION allocations_usagerecord_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        clusters bigint[];
        grants bigint[];
        imports bigint[];
        missing text;
    BEGIN
        -- One hashed pass over the statement's rows: a handful of distinct references, however many rows.
        SELECT array_agg(DISTINCT cluster_id), array_agg(DISTINCT grant_id),
               array_agg(DISTINCT usage_import_id) FILTER (WHERE usage_import_id IS NOT NULL)
          INTO clusters, grants, imports
          FROM (SELECT DISTINCT cluster_id, grant_id, usage_import_id FROM new_rows) AS refs;
        -- FOR KEY SHARE, as a foreign key check: a concurrent delete of these rows waits for this transaction.
        PERFORM 1 FROM allocations_cluster WHERE id = ANY(clusters) FOR KEY SHARE;
        PERFORM 1 FROM allocations_grant WHERE id = ANY(grants) FOR KEY SHARE;
        PERFORM 1 FROM allocations_usageimport WHERE id = ANY(imports) FOR KEY SHARE;
        SELECT kind || ' ' || ref INTO missing FROM (
            SELECT 'cluster' AS kind, ref FROM unnest(clusters) AS ref
             WHERE NOT EXISTS (SELECT 1 FROM allocations_cluster c WHERE c.id = ref)
            UNION ALL
            SELECT 'grant', ref FROM unnest(grants) AS ref
             WHERE NOT EXISTS (SELECT 1 FROM allocations_grant g WHERE g.id = ref)
            UNION ALL
            SELECT 'import', ref FROM unnest(imports) AS ref
             WHERE NOT EXISTS (SELECT 1 FROM allocations_usageimport i WHERE i.id = ref)
        ) AS absent LIMIT 1;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'usage record refers to % which does not exist', missing
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END;
    $$
    """,
    # Transition tables allow one event per trigger: two triggers share the function.
    "CREATE TRIGGER allocations_usagerecord_references_insert AFTER INSERT ON allocations_usagerecord "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION allocations_usagerecord_check_references()",
    "CREATE TRIGGER allocations_usagerecord_references_update AFTER UPDATE ON allocations_usagerecord "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION allocations_usagerecord_check_references()",
    """
    CREATE FUNCTION allocations_usagerecord_restrict() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
            RETURN NEW;
        END IF;
        IF TG_TABLE_NAME = 'allocations_cluster' THEN
            PERFORM 1 FROM allocations_usagerecord WHERE cluster_id = OLD.id LIMIT 1;
        ELSIF TG_TABLE_NAME = 'allocations_grant' THEN
            PERFORM 1 FROM allocations_usagerecord WHERE grant_id = OLD.id LIMIT 1;
        ELSE
            -- No index: imports are kept, and the ORM clears an import's records before deleting it.
            PERFORM 1 FROM allocations_usagerecord WHERE usage_import_id = OLD.id LIMIT 1;
        END IF;
        IF FOUND THEN
            RAISE EXCEPTION '% % still has usage records', TG_TABLE_NAME, OLD.id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE FUNCTION allocations_usagerecord_restrict_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- AFTER the TRUNCATE: a TRUNCATE that also names the usage table has emptied it by now.
        IF EXISTS (SELECT 1 FROM allocations_usagerecord) THEN
            RAISE EXCEPTION 'cannot truncate % while usage records refer to it', TG_TABLE_NAME
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END;
    $$
    """,
    *(
        statement
        for table in PARENTS
        for statement in (
            f"CREATE TRIGGER {table}_usage_restrict BEFORE DELETE OR UPDATE OF id ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION allocations_usagerecord_restrict()",
            f"CREATE TRIGGER {table}_usage_restrict_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION allocations_usagerecord_restrict_truncate()",
        )
    ),
]

REVERSE_SQL = [
    *(
        statement
        for table in PARENTS
        for statement in (
            f"DROP TRIGGER {table}_usage_restrict_truncate ON {table}",
            f"DROP TRIGGER {table}_usage_restrict ON {table}",
        )
    ),
    "DROP FUNCTION allocations_usagerecord_restrict_truncate()",
    "DROP FUNCTION allocations_usagerecord_restrict()",
    "DROP TRIGGER allocations_usagerecord_references_update ON allocations_usagerecord",
    "DROP TRIGGER allocations_usagerecord_references_insert ON allocations_usagerecord",
    "DROP FUNCTION allocations_usagerecord_check_references()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0008_usage_record_redundant_indexes"),
    ]

    operations = [
        migrations.RunSQL(sql=SQL, reverse_sql=REVERSE_SQL),
        migrations.AlterField(
            model_name="usagerecord",
            name="cluster",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="records",
                to="allocations.cluster",
                verbose_name="cluster",
            ),
        ),
        migrations.AlterField(
            model_name="usagerecord",
            name="grant",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="usage_records",
                to="allocations.grant",
                verbose_name="grant",
            ),
        ),
        migrations.AlterField(
            model_name="usagerecord",
            name="usage_import",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="allocations.usageimport",
                verbose_name="import",
            ),
        ),
    ]
