import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

GUARD_REVERSE = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="when")),
                ("action", models.CharField(max_length=40, verbose_name="action")),
                (
                    "object_type",
                    models.CharField(
                        choices=[
                            ("organisation", "Organisation"),
                            ("membership", "Membership"),
                            ("user", "User and platform roles"),
                            ("call", "Call"),
                            ("token", "API token"),
                            ("authenticator", "Authenticator"),
                        ],
                        max_length=20,
                        verbose_name="object type",
                    ),
                ),
                ("object_id", models.CharField(max_length=64, verbose_name="object id")),
                ("object_label", models.CharField(blank=True, max_length=255, verbose_name="object")),
                ("changes", models.JSONField(blank=True, default=dict, verbose_name="changes")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
                "ordering": ["-at", "-id"],
                "indexes": [
                    models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
                    models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
                    models.Index(fields=["-at", "-id"], name="audit_at_idx"),
                ],
            },
        ),
        migrations.RunSQL(GUARD, GUARD_REVERSE),
    ]
