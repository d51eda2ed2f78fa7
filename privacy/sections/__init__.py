"""The sections of a person's data export: one table each, written to the zip as JSON and as CSV.

Each section says which user references (``privacy.registry``) it reads in ``covers``. What the export never
shows: who reviewed an application (other than the person themself), and the names of staff or other people who
acted on the person's applications or account: such actors appear by their part ("portal staff", "a member of
your team"), never by name. Secrets (password hashes, token keys, authenticator secrets) are never read.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from accounts.models import User
from privacy.records import RECORD_REFERENCES, records_rows
from privacy.sections.account import (
    audit_rows,
    authenticator_rows,
    cluster_username_rows,
    email_rows,
    invitation_rows,
    organisation_rows,
    partner_rows,
    profile_rows,
    terms_rows,
    token_rows,
)
from privacy.sections.applications import (
    application_event_rows,
    application_rows,
    attachment_rows,
    download_rows,
    final_report_rows,
    grant_rows,
    reply_rows,
)
from privacy.sections.changes import change_request_event_rows, change_request_rows
from privacy.sections.common import Rows
from privacy.sections.reviewing import (
    affiliation_rows,
    assignment_rows,
    conflict_rows,
    publication_rows,
    relationship_rows,
    review_event_rows,
    review_rows,
    reviewer_profile_rows,
)


@dataclass(frozen=True)
class Section:
    name: str  # the file name in the zip, without extension
    title: str
    covers: tuple[str, ...]  # the user references this section reads
    rows: Callable[[User], Rows]


SECTIONS: tuple[Section, ...] = (
    Section("profile", gettext_lazy("Your profile"), (), profile_rows),
    Section("email_addresses", gettext_lazy("Email addresses"), ("account.EmailAddress.user",), email_rows),
    Section(
        "authenticators", gettext_lazy("Two-factor authenticators"), ("mfa.Authenticator.user",), authenticator_rows
    ),
    Section("api_tokens", gettext_lazy("API tokens (never the keys)"), ("accounts.ApiToken.user",), token_rows),
    Section(
        "cluster_usernames",
        gettext_lazy("User names on the clusters"),
        ("allocations.ClusterUsername.user",),
        cluster_username_rows,
    ),
    Section(
        "terms_acceptances",
        gettext_lazy("Terms of access you accepted"),
        ("allocations.TermsAcceptance.user",),
        terms_rows,
    ),
    Section(
        "organisations",
        gettext_lazy("Organisations you belong to"),
        ("accounts.Membership.user", "accounts.Organisation.members"),
        organisation_rows,
    ),
    Section(
        "invitations",
        gettext_lazy("Invitations you sent or received"),
        ("accounts.Invitation.invited_by", "accounts.Invitation.responded_by"),
        invitation_rows,
    ),
    Section("partners", gettext_lazy("Partners you are a contact of"), ("ledger.Partner.contact_users",), partner_rows),
    Section(
        "applications",
        gettext_lazy("Applications you are on"),
        (
            "allocations.Application.created_by",
            "allocations.Application.pi",
            "allocations.ApplicationMember.user",
            "allocations.GrantMember.user",
        ),
        application_rows,
    ),
    Section("grants", gettext_lazy("Grants of your applications"), ("allocations.Grant.responded_by",), grant_rows),
    Section(
        "final_reports",
        gettext_lazy("Final reports of your awards"),
        ("allocations.FinalReport.submitted_by",),
        final_report_rows,
    ),
    Section(
        "change_requests",
        gettext_lazy("Change requests on your grants"),
        (
            "allocations.ChangeRequest.requested_by",
            "allocations.ChangeRequest.person",
            "allocations.ChangeRequest.consent_by",
        ),
        change_request_rows,
    ),
    Section(
        "change_request_events",
        gettext_lazy("History of those change requests"),
        ("allocations.ChangeRequestEvent.actor",),
        change_request_event_rows,
    ),
    Section(
        "attachments", gettext_lazy("Files you uploaded"), ("allocations.Attachment.uploaded_by",), attachment_rows
    ),
    Section(
        "attachment_downloads",
        gettext_lazy("Files you downloaded"),
        ("allocations.AttachmentDownload.user",),
        download_rows,
    ),
    Section(
        "application_events",
        gettext_lazy("History of your applications"),
        ("allocations.ApplicationEvent.actor",),
        application_event_rows,
    ),
    Section("replies", gettext_lazy("Your replies to reviews"), ("reviews.RightToReply.replied_by",), reply_rows),
    Section(
        "review_assignments",
        gettext_lazy("Applications you were asked to review"),
        ("reviews.ReviewAssignment.reviewer",),
        assignment_rows,
    ),
    Section("reviews", gettext_lazy("Reviews you wrote"), (), review_rows),
    Section("review_events", gettext_lazy("Review steps you took"), ("reviews.ReviewEvent.actor",), review_event_rows),
    Section(
        "reviewer_profile",
        gettext_lazy("Your reviewer profile"),
        ("reviews.ReviewerProfile.user",),
        reviewer_profile_rows,
    ),
    Section("publications", gettext_lazy("Your publications"), ("reviews.Publication.user",), publication_rows),
    Section("affiliations", gettext_lazy("Your affiliations"), ("reviews.Affiliation.user",), affiliation_rows),
    Section(
        "declared_conflicts",
        gettext_lazy("Conflicts of interest you declared"),
        ("reviews.DeclaredConflict.reviewer",),
        conflict_rows,
    ),
    Section(
        "declared_relationships",
        gettext_lazy("Relationships you declared"),
        ("reviews.DeclaredRelationship.reviewer",),
        relationship_rows,
    ),
    Section("audit_trail", gettext_lazy("Changes to your account and by you"), ("audit.AuditEvent.actor",), audit_rows),
    Section("records", gettext_lazy("Records you created or decided as staff"), RECORD_REFERENCES, records_rows),
)
