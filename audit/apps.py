from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from accounts.staff import StaffTool, register_staff_tool
        from audit.rules import AUDIT_READER_ROLES

        register_staff_tool(
            StaffTool(
                title=_("Audit trail"),
                description=_(
                    "Who created or changed organisations, members, roles, calls, tokens and authenticators."
                ),
                url_name="audit_events",
                roles=AUDIT_READER_ROLES,
            )
        )
