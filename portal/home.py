"""What needs the signed-in person: one queue per kind of task of their roles, each item linking to the page
where it is done. The reads live in each context's selectors; this module only picks the queues of the
person's roles and shapes them for the home page.

Query budget: a queue costs one query for its first items and, only when they fill the slice, one for its count,
so the page stays bounded whatever the data (see tests/portal/test_home.py).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import selectors as account_selectors
from accounts.models import Invitation, User
from accounts.roles import PlatformRole, has_role, holds_staff_role, may_use_staff_roles
from allocations.applications import selectors as application_selectors
from allocations.capacity import selectors as capacity_selectors
from allocations.postaward.changes import selectors as change_selectors
from allocations.postaward.reports import selectors as report_selectors
from allocations.usage import selectors as usage_selectors
from ledger import selectors as ledger_selectors
from reviews import selectors as review_selectors

ITEMS_PER_QUEUE = 5


@dataclass(frozen=True)
class Item:
    label: str
    url: str
    detail: str = ""
    due: dt.datetime | dt.date | None = None
    due_label: str = ""

    @property
    def due_is_date(self) -> bool:
        return isinstance(self.due, dt.date) and not isinstance(self.due, dt.datetime)


@dataclass
class Queue:
    key: str
    title: str
    count: int
    items: list[Item] = field(default_factory=list)
    all_url: str = ""
    all_label: str = ""


@dataclass
class Home:
    queues: list[Queue]
    # A staff member whose session has not passed two-factor authentication: their queues wait behind it.
    staff_needs_mfa: bool = False

    @property
    def total(self) -> int:
        return sum(queue.count for queue in self.queues)


def _queue(
    key: str,
    title,
    queryset: QuerySet,
    to_item: Callable[[object], Item],
    *,
    all_url: str = "",
    all_label="",
) -> Queue | None:
    """The first items of ``queryset`` as a queue (``None`` when empty); counts only when the slice is full."""
    rows = list(queryset[:ITEMS_PER_QUEUE])
    if not rows:
        return None
    count = len(rows) if len(rows) < ITEMS_PER_QUEUE else queryset.count()
    return Queue(
        key=key,
        title=str(title),
        count=count,
        items=[to_item(row) for row in rows],
        all_url=all_url,
        all_label=str(all_label or _("See all")),
    )


def _application_label(application) -> str:
    return " · ".join(part for part in (application.reference, application.display_title) if part)


def _applicant_queues(user: User, now) -> Iterable[Queue | None]:
    yield _queue(
        "offers",
        gettext_lazy("Offers to accept or decline"),
        capacity_selectors.offers_awaiting_answer(user=user, now=now),
        lambda grant: Item(
            label=_application_label(grant.application),
            url=reverse("grant_detail", args=[grant.pk]),
            detail=_("%(hours)s GPU-hours on %(gigafactory)s")
            % {
                "hours": capacity_selectors.hours(grant.award.total_seconds if grant.award else grant.granted_seconds),
                "gigafactory": grant.gigafactory.name,
            },
            due=grant.respond_by,
            due_label=_("Answer by"),
        ),
        all_url=reverse("grant_list"),
        all_label=gettext_lazy("Grant list"),
    )
    yield _queue(
        "replies",
        gettext_lazy("Replies to the reviews due"),
        review_selectors.replies_due(user=user, now=now),
        lambda window: Item(
            label=_application_label(window.application),
            url=reverse("application_reviews", args=[window.application_id]),
            detail=_("Read the reviews and send your reply."),
            due=window.deadline,
            due_label=_("Reply by"),
        ),
    )
    yield _queue(
        "drafts",
        gettext_lazy("Drafts near a cut-off"),
        application_selectors.drafts_near_cutoff(user=user, now=now),
        lambda draft: Item(
            label=draft.display_title,
            url=reverse("application_detail", args=[draft.pk]),
            detail=draft.call.title,
            due=draft.next_cutoff_at,
            due_label=_("Submit by"),
        ),
        all_url=reverse("application_dashboard"),
        all_label=gettext_lazy("Application list"),
    )
    yield _queue(
        "reports",
        gettext_lazy("Final reports due"),
        report_selectors.reports_due(user=user),
        lambda report: Item(
            label=_application_label(report.award.application),
            url=reverse("final_report", args=[report.pk]),
            detail=_("Say what the project achieved with its hours and list its publications."),
            due=report.due_on,
            due_label=_("Due on"),
        ),
    )
    yield _queue(
        "invitations",
        gettext_lazy("Invitations to join an organisation"),
        account_selectors.invitations_for_email(email=user.email).filter(
            created_at__gt=now - dt.timedelta(days=Invitation.VALID_DAYS)
        ),
        lambda invitation: Item(
            label=invitation.organisation.legal_name,
            url=reverse("profile") + "#invitations",
            detail=_("Open the link in the invitation email to answer."),
            due=invitation.expires_at,
            due_label=_("Valid until"),
        ),
    )


def _reviewer_queues(user: User) -> Iterable[Queue | None]:
    inbox = reverse("review_inbox")
    yield _queue(
        "assignments",
        gettext_lazy("Review assignments to accept or decline"),
        review_selectors.assignments_to_answer(user=user),
        lambda assignment: Item(
            label=_application_label(assignment.application),
            url=reverse("review_assignment", args=[assignment.pk]),
            detail=_("Declare any conflict of interest, then accept or decline."),
            due=assignment.due_on,
            due_label=_("Review due on"),
        ),
        all_url=inbox,
        all_label=gettext_lazy("Review inbox"),
    )
    yield _queue(
        "reviews",
        gettext_lazy("Reviews due"),
        review_selectors.reviews_due(user=user),
        lambda assignment: Item(
            label=_application_label(assignment.application),
            url=reverse("review_form", args=[assignment.pk]),
            detail=_("Score the application and write your comments."),
            due=assignment.due_on,
            due_label=_("Due on"),
        ),
        all_url=inbox,
        all_label=gettext_lazy("Review inbox"),
    )


def _call_manager_queues() -> Iterable[Queue | None]:
    management = reverse("review_management")
    yield _queue(
        "checks",
        gettext_lazy("Eligibility checks"),
        review_selectors.applications_to_check(),
        lambda application: Item(
            label=_application_label(application),
            url=reverse("eligibility_check", args=[application.pk]),
            detail=f"{application.organisation.legal_name} · {application.call.title}",
            due=application.submitted_at,
            due_label=_("Submitted"),
        ),
        all_url=management,
        all_label=gettext_lazy("Management board"),
    )
    yield _queue(
        "panels",
        gettext_lazy("Panels to decide"),
        review_selectors.panels_to_decide(),
        lambda call: Item(
            label=call.title,
            url=reverse("panel", args=[call.slug]),
            detail=ngettext(
                "%(n)d application waits for a decision.", "%(n)d applications wait for a decision.", call.to_decide
            )
            % {"n": call.to_decide},
        ),
        all_url=management,
        all_label=gettext_lazy("Management board"),
    )


def _allocation_admin_queues(user: User, now) -> Iterable[Queue | None]:
    yield _queue(
        "runs",
        gettext_lazy("Allocation runs to commit or discard"),
        capacity_selectors.runs_to_commit(),
        lambda run: Item(
            label=str(run),
            url=reverse("capacity_run_detail", args=[run.pk]),
            detail=_("Check the results, then commit and send the offers, or discard the run."),
            due=run.finished_at,
            due_label=_("Finished"),
        ),
        all_url=reverse("capacity_home"),
        all_label=gettext_lazy("Run list"),
    )
    yield _queue(
        "changes",
        gettext_lazy("Change requests to decide"),
        change_selectors.requests_to_decide(user=user),
        lambda change: Item(
            label=f"{change} · {_application_label(change.grant.application)}",
            url=reverse("staff_change_request_detail", args=[change.pk]),
            detail=_("Approve or refuse the request."),
            due=change.created_at,
            due_label=_("Requested"),
        ),
        all_url=reverse("staff_change_request_list"),
        all_label=gettext_lazy("Change request list"),
    )
    yield _queue(
        "imports",
        gettext_lazy("Usage imports that failed"),
        usage_selectors.imports_failed(now=now),
        lambda usage_import: Item(
            label=str(usage_import),
            url=reverse("usage_import_detail", args=[usage_import.pk]),
            detail=usage_import.error[:200],
            due=usage_import.created_at,
            due_label=_("Uploaded"),
        ),
        all_url=reverse("usage_imports"),
        all_label=gettext_lazy("Import list"),
    )
    yield _queue(
        "agents",
        gettext_lazy("Site agents silent"),
        usage_selectors.clusters_silent(now=now),
        lambda cluster: Item(
            label=_("%(cluster)s (%(gigafactory)s)") % {"cluster": cluster.name, "gigafactory": cluster.gigafactory},
            url=reverse("cluster_provisioning", args=[cluster.name]),
            detail=_("The cluster's agent stopped reporting: check it at the site."),
            due=cluster.last_report_at,
            due_label=_("Last report"),
        ),
        all_url=reverse("usage_clusters"),
        all_label=gettext_lazy("Cluster list"),
    )


def _finance_admin_queues() -> Iterable[Queue | None]:
    yield _queue(
        "pledges",
        gettext_lazy("Pledges and guarantees still open"),
        ledger_selectors.open_pending_transfers(),
        lambda transfer: Item(
            label=" · ".join(part for part in (str(transfer.debit_account.partner), transfer.user_data) if part),
            url=reverse("ledger:pending_post", args=[transfer.pk]),
            detail=_("EUR %(amount)s open in %(tranche)s: record a payment when it arrives.")
            % {
                "amount": formats.number_format(transfer.amount // 100, force_grouping=True),
                "tranche": transfer.credit_account.tranche,
            },
            due=transfer.created_at,
            due_label=_("Recorded"),
        ),
        all_url=reverse("ledger:overview"),
        all_label=gettext_lazy("Ledger"),
    )


def what_needs(*, user: User, now: dt.datetime | None = None) -> Home:
    """The queues of ``user``'s roles that hold something, in the order a person works through them: their own
    applications first, then reviews, then the staff queues (only in a session that passed two-factor
    authentication; otherwise ``staff_needs_mfa`` says why they are missing)."""
    now = now or timezone.now()
    queues = list(_applicant_queues(user, now))
    if has_role(user, PlatformRole.REVIEWER):
        queues += _reviewer_queues(user)
    if has_role(user, PlatformRole.CALL_MANAGER):
        queues += _call_manager_queues()
    if has_role(user, PlatformRole.ALLOCATION_ADMIN):
        queues += _allocation_admin_queues(user, now)
    if has_role(user, PlatformRole.FINANCE_ADMIN):
        queues += _finance_admin_queues()
    return Home(
        queues=[queue for queue in queues if queue is not None],
        staff_needs_mfa=holds_staff_role(user) and not may_use_staff_roles(user),
    )
