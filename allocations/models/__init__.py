"""Models of calls and applications, re-exported: ``from allocations.models import Call, Application``."""

from allocations.applications.workflow import Status
from allocations.models.applications import (
    ABSTRACT_MAX_CHARS,
    SECTION_FIELDS,
    AIDomain,
    Application,
    ApplicationEvent,
    ApplicationMember,
    Attachment,
    AttachmentDownload,
    AttachmentKind,
    DraftReminder,
    LegalBasis,
    ReaderRole,
    ReferenceCounter,
    ReminderKind,
    Section,
    TeamRole,
)
from allocations.models.call_forms import (
    CHOICE_KINDS,
    SCIENTIFIC_KINDS,
    CallDocumentSlot,
    CallEvent,
    CallEventKind,
    CallFormVersion,
    CallQuestion,
    QuestionKind,
    QuestionStep,
)
from allocations.models.calls import (
    AccessMode,
    Call,
    CallCutoff,
    CallStatus,
    Gigafactory,
    GigafactoryStatus,
    RubricCriterion,
)

__all__ = [
    "ABSTRACT_MAX_CHARS",
    "CHOICE_KINDS",
    "SCIENTIFIC_KINDS",
    "SECTION_FIELDS",
    "AIDomain",
    "AccessMode",
    "Application",
    "ApplicationEvent",
    "ApplicationMember",
    "Attachment",
    "AttachmentDownload",
    "AttachmentKind",
    "Call",
    "CallCutoff",
    "CallDocumentSlot",
    "CallEvent",
    "CallEventKind",
    "CallFormVersion",
    "CallQuestion",
    "CallStatus",
    "DraftReminder",
    "Gigafactory",
    "GigafactoryStatus",
    "LegalBasis",
    "QuestionKind",
    "QuestionStep",
    "ReaderRole",
    "ReferenceCounter",
    "ReminderKind",
    "RubricCriterion",
    "Section",
    "Status",
    "TeamRole",
]
from allocations.models.capacity import *  # noqa: F403
from allocations.models.changes import *  # noqa: F403
from allocations.models.dashboards import *  # noqa: F403
from allocations.models.provisioning import *  # noqa: F403
from allocations.models.reports import *  # noqa: F403
from allocations.models.terms import *  # noqa: F403
from allocations.models.usage import *  # noqa: F403
