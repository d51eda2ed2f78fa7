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
        for tool in (
            StaffTool(
                title=_("Allocation"),
                description=_("Capacity periods and pools, allocation runs, offers and grants."),
                url_name="capacity_home",
                roles=frozenset({PlatformRole.ALLOCATION_ADMIN}),
            ),
            StaffTool(
                title=_("Usage imports"),
                description=_("Accounting imports from the clusters, their agents, alerts and reclaims."),
                url_name="usage_imports",
                roles=frozenset({PlatformRole.ALLOCATION_ADMIN}),
            ),
            StaffTool(
                title=_("Change requests"),
                description=_("Extensions, supplements, transfers and team changes of running grants to decide."),
                url_name="staff_change_request_list",
                roles=frozenset({PlatformRole.ALLOCATION_ADMIN}),
            ),
            StaffTool(
                title=_("Final reports"),
                description=_("Final reports of ended awards: overdue, not yet due and submitted, with publications."),
                url_name="staff_final_reports",
                roles=frozenset({PlatformRole.ALLOCATION_ADMIN, PlatformRole.CALL_MANAGER}),
            ),
            StaffTool(
                title=_("Terms of access"),
                description=_("Platform terms and acceptable-use policies: drafts, publication, who has not accepted."),
                url_name="terms_staff_home",
                roles=frozenset({PlatformRole.ALLOCATION_ADMIN}),
            ),
            StaffTool(
                title=_("Dashboards"),
                description=_("Demand, allocation, usage and finance at a glance, per call and Gigafactory."),
                url_name="dashboards_overview",
                roles=frozenset({PlatformRole.ALLOCATION_ADMIN, PlatformRole.CALL_MANAGER, PlatformRole.FINANCE_ADMIN}),
            ),
        ):
            register_staff_tool(tool)
