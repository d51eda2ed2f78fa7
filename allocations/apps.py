from django.apps import AppConfig


class AllocationsConfig(AppConfig):
    name = "allocations"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts.roles import PlatformRole
        from accounts.staff import StaffTool, register_staff_tool

        register_staff_tool(
            StaffTool(
                title=_("Call designer"),
                description=_("Create, clone and publish calls: their questions, documents, cut-offs and rubric."),
                url_name="call_designer_list",
                roles=frozenset({PlatformRole.CALL_MANAGER}),
            )
        )
