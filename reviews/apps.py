from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        from accounts.roles import PlatformRole
        from accounts.staff import StaffTool, register_staff_tool

        register_staff_tool(
            StaffTool(
                title=_("My reviews"),
                description=_("Applications assigned to you: declare conflicts, score and comment."),
                url_name="review_inbox",
                roles=frozenset({PlatformRole.REVIEWER}),
            )
        )
        register_staff_tool(
            StaffTool(
                title=_("Review management"),
                description=_("Eligibility checks, reviewer assignment, the call boards and the panel."),
                url_name="review_management",
                roles=frozenset({PlatformRole.CALL_MANAGER}),
            )
        )
