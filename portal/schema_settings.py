"""drf-spectacular's settings (``SPECTACULAR_SETTINGS`` in settings): the schema's title, the hooks and one
stable enum name per choice set, so a generated client's types keep their names between releases."""

API_SCHEMA_SETTINGS: dict = {
    "TITLE": "Gigafactory Access Portal API",
    "DESCRIPTION": "Calls, applications, reviews, allocations, usage and the partner-contribution ledger.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # operationIds without the version prefix: calls_list, applications_create, ledger_transfers_create.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.openapi.add_error_component",
    ],
    # One schema name per choice set, so clients get stable enum names.
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "accounts.models.MembershipRole",
        "OrganisationTypeEnum": "accounts.models.OrganisationType",
        "InvitationStatusEnum": "accounts.models.InvitationStatus",
        "EligibleCountryEnum": "accounts.countries.ELIGIBLE_COUNTRIES",
        "AllocationRunStatusEnum": "allocations.models.capacity.RunStatus",
        "GrantStatusEnum": "allocations.models.capacity.GrantStatus",
        "PoolKindEnum": "allocations.models.capacity.PoolKind",
        "AllocationOutcomeEnum": "allocations.models.capacity.Outcome",
        # Several models have a "status", "kind", "code" or "format" field: name each choice set once.
        "ApplicationStatusEnum": "allocations.applications.workflow.Status",
        "ApplicationActionEnum": "allocations.applications.workflow.Action",
        "CallStatusEnum": "allocations.models.calls.CallStatus",
        "GigafactoryStatusEnum": "allocations.models.calls.GigafactoryStatus",
        "AttachmentKindEnum": "allocations.models.applications.AttachmentKind",
        "DraftReminderKindEnum": "allocations.models.applications.ReminderKind",
        "UsageImportStatusEnum": "allocations.models.usage.ImportStatus",
        "UsageImportFormatEnum": "allocations.models.usage.ImportFormat",
        "UsageImportSourceEnum": "allocations.models.usage.ImportSource",
        "AssignmentStatusEnum": "reviews.models.AssignmentStatus",
        "ReviewStatusEnum": "reviews.models.ReviewStatus",
        "ReviewEventKindEnum": "reviews.models.ReviewEventKind",
        "ReviewReminderKindEnum": "reviews.models.ReminderKind",
        "AccountCodeEnum": "ledger.models.AccountCode",
        "TransferCodeEnum": "ledger.models.TransferCode",
        "PartnerKindEnum": "ledger.models.PartnerKind",
        "TrancheKindEnum": "ledger.models.TrancheKind",
        "OwnerKindEnum": "ledger.models.OwnerKind",
        "LedgerUnitEnum": "ledger.models.LedgerUnit",
        "ChangeRequestKindEnum": "allocations.models.changes.ChangeKind",
        "ReleasedOutputKindEnum": "allocations.models.reports.OutputKind",
        "TermsKindEnum": "allocations.models.terms.TermsKind",
    },
}
