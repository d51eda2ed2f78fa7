import datetime as dt

import django.contrib.postgres.fields
from django.db import migrations, models
from django.utils import timezone


def existing_tokens_expire_in_90_days(apps, schema_editor):
    """Tokens made before scopes existed read and wrote; they keep both and expire 90 days from now."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + dt.timedelta(days=90))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_platform_roles")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="credentials_version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[("read", "Read"), ("write", "Write"), ("staff", "Staff")], max_length=10
                ),
                default=["read", "write"],
                size=None,
                verbose_name="scopes",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.RunPython(existing_tokens_expire_in_90_days, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("user", "revoked by you"),
                    ("password", "password changed"),
                    ("authenticator", "authenticator changed"),
                    ("deactivated", "account deactivated"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("scopes__contained_by", ["read", "write", "staff"]))
                & (models.Q(("scopes__contains", ["read"])) | models.Q(("scopes__contains", ["write"]))),
                name="api_token_known_scopes",
            ),
        ),
    ]
