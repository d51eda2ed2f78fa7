"""Drop two indexes of the usage table that others cover: ``cluster_id`` is the first column of the unique
(cluster, job id) index and ``grant_id`` the first of the (grant, day) index. Every record an import writes
updated them too. The model state is unchanged (Django still declares the foreign keys indexed); the reverse
migration creates them again under the same names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0007_dashboard_summaries"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP INDEX IF EXISTS allocations_usagerecord_cluster_id_6fe60555",
                "DROP INDEX IF EXISTS allocations_usagerecord_grant_id_72b07900",
            ],
            reverse_sql=[
                "CREATE INDEX IF NOT EXISTS allocations_usagerecord_cluster_id_6fe60555 "
                "ON allocations_usagerecord (cluster_id)",
                "CREATE INDEX IF NOT EXISTS allocations_usagerecord_grant_id_72b07900 "
                "ON allocations_usagerecord (grant_id)",
            ],
        ),
    ]
