"""Seed the three access modes and make application events append-only at the database level."""

from django.db import migrations

ACCESS_MODES = [
    {
        "code": "playground",
        "name": "Playground",
        "description": "Try out the systems: eligibility and technical check; first come, first served.",
        "min_request_gpu_hours": 200,
        "max_request_gpu_hours": 2_000,
        "max_duration_months": 3,
        "reviewers_required": 0,
        "right_to_reply": False,
        "position": 1,
    },
    {
        "code": "fast-lane",
        "name": "Fast Lane",
        "description": "Mid-sized projects: eligibility and technical check, decision within 4 working days.",
        "min_request_gpu_hours": 5_000,
        "max_request_gpu_hours": 50_000,
        "max_duration_months": 3,
        "reviewers_required": 0,
        "right_to_reply": False,
        "position": 2,
    },
    {
        "code": "large-scale",
        "name": "Large Scale",
        "description": "Large training runs: technical check, at least two independent reviewers, right to reply "
        "and a panel ranking.",
        "min_request_gpu_hours": 50_000,
        "max_request_gpu_hours": 2_000_000,
        "max_duration_months": 12,
        "reviewers_required": 2,
        "right_to_reply": True,
        "position": 3,
    },
]

EVENT_GUARD = """
CREATE OR REPLACE FUNCTION allocations_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'application events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER allocations_applicationevent_append_only
    BEFORE UPDATE OR DELETE ON allocations_applicationevent
    FOR EACH ROW EXECUTE FUNCTION allocations_event_append_only();
"""

EVENT_GUARD_REVERSE = """
DROP TRIGGER IF EXISTS allocations_applicationevent_append_only ON allocations_applicationevent;
DROP FUNCTION IF EXISTS allocations_event_append_only();
"""


def seed_modes(apps, schema_editor):
    AccessMode = apps.get_model("allocations", "AccessMode")
    for mode in ACCESS_MODES:
        AccessMode.objects.update_or_create(code=mode["code"], defaults=mode)


def unseed_modes(apps, schema_editor):
    apps.get_model("allocations", "AccessMode").objects.filter(code__in=[m["code"] for m in ACCESS_MODES]).delete()


class Migration(migrations.Migration):
    dependencies = [("allocations", "0001_initial")]

    operations = [
        migrations.RunPython(seed_modes, unseed_modes),
        migrations.RunSQL(EVENT_GUARD, EVENT_GUARD_REVERSE),
    ]
