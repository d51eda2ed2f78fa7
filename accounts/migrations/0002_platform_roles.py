"""Create the platform roles as Django groups. Apps grant their own permissions to these groups."""

from django.db import migrations

ROLES = ["reviewer", "call manager", "allocation admin", "finance admin"]
# Staff roles may read organisations and members in the admin.
READ_PERMISSIONS = {
    "call manager": ["view_organisation", "view_membership", "view_user"],
    "allocation admin": ["view_organisation", "view_membership", "view_user"],
    "finance admin": ["view_organisation"],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        codenames = READ_PERMISSIONS.get(role, [])
        group.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
