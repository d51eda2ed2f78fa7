from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.roles import PlatformRole
        from accounts.staff import StaffTool, register_staff_tool

        register_staff_tool(
            StaffTool(
                title=_("Ledger"),
                description=_("Partners' pledges, payments and guarantees, the tranches and the journal."),
                url_name="ledger:overview",
                roles=frozenset({PlatformRole.FINANCE_ADMIN}),
            )
        )
