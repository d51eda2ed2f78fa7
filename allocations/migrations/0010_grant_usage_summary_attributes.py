"""The usage summary carries each grant's status, granted GPU-seconds and the attributes the distribution dashboard
groups and filters by, so that page reads one narrow table. Existing rows get them from the live tables here (the
placeholder defaults never outlive the migration); from then on every refresh rewrites them."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE allocations_grantusagesummary s
SET status = g.status, granted_seconds = g.granted_seconds, gigafactory_id = g.gigafactory_id,
    period_id = g.period_id, call_id = a.call_id, access_mode_id = c.access_mode_id, country = o.country,
    organisation_type = o.type, ai_domain = a.ai_domain
FROM allocations_grant g
JOIN allocations_application a ON a.id = g.application_id
JOIN accounts_organisation o ON o.id = a.organisation_id
JOIN allocations_call c ON c.id = a.call_id
WHERE g.id = s.grant_id
"""


def _copied_key(to: str, verbose_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        default=0,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0009_usage_record_set_based_references"),
    ]

    operations = [
        migrations.AddField(
            model_name="grantusagesummary",
            name="status",
            field=models.CharField(
                choices=[
                    ("offered", "Offered"),
                    ("accepted", "Accepted"),
                    ("active", "Active"),
                    ("declined", "Declined"),
                    ("expired", "Expired"),
                    ("closed", "Closed"),
                ],
                default="",
                max_length=10,
                verbose_name="grant status",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="granted_seconds",
            field=models.BigIntegerField(default=0, verbose_name="granted (GPU-seconds)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="gigafactory",
            field=_copied_key("allocations.gigafactory", "Gigafactory"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="period",
            field=_copied_key("allocations.capacityperiod", "period"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="call",
            field=_copied_key("allocations.call", "call"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="access_mode",
            field=_copied_key("allocations.accessmode", "access mode"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="country",
            field=models.CharField(default="", max_length=2, verbose_name="country"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="organisation_type",
            field=models.CharField(default="", max_length=20, verbose_name="organisation type"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="grantusagesummary",
            name="ai_domain",
            field=models.CharField(blank=True, max_length=20, verbose_name="AI domain"),
        ),
        migrations.RunSQL(sql=FILL, reverse_sql=migrations.RunSQL.noop),
    ]
