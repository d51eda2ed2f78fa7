"""Reads for calls and applications.

Applications are visible only to members of the owning organisation: other users get nothing, which views and
the API turn into 404. Calls are public once published.
"""

from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, MembershipRole, User
from accounts.roles import PlatformRole, has_role, is_allocation_admin
from allocations.applications.completeness import Completeness, completeness, question_step
from allocations.applications.workflow import Role, Status, transition_for
from allocations.models import (
    SECTION_FIELDS,
    Application,
    ApplicationEvent,
    ApplicationMember,
    Attachment,
    AttachmentKind,
    Call,
    CallCutoff,
    CallStatus,
    Section,
)


def _next_cutoff_subquery(now):
    return Subquery(
        CallCutoff.objects.filter(call=OuterRef("pk"), at__gt=now).order_by("at").values("at")[:1],
    )


def calls_open_and_upcoming(*, access_mode: str | None = None, gigafactory: str | None = None, now=None):
    """Published calls with a cut-off still ahead, soonest cut-off first (public). Constant number of queries."""
    now = now or timezone.now()
    calls = (
        Call.objects.filter(status=CallStatus.PUBLISHED)
        .annotate(next_cutoff_at=_next_cutoff_subquery(now))
        .filter(next_cutoff_at__isnull=False)
        .select_related("access_mode")
        .prefetch_related("gigafactories")
        .order_by("next_cutoff_at", "title")
    )
    if access_mode:
        calls = calls.filter(access_mode__code=access_mode)
    if gigafactory:
        calls = calls.filter(gigafactories__slug=gigafactory)
    return calls


def call_public(*, slug: str, user: User | None = None) -> Call:
    """A published or closed call; drafts only for call managers. ``Call.DoesNotExist`` otherwise."""
    now = timezone.now()
    calls = (
        Call.objects.select_related("access_mode")
        .prefetch_related(
            "gigafactories",
            "criteria",
            Prefetch("cutoffs", queryset=CallCutoff.objects.order_by("at")),
        )
        .annotate(next_cutoff_at=_next_cutoff_subquery(now))
    )
    if not (user is not None and user.is_authenticated and has_role(user, PlatformRole.CALL_MANAGER)):
        calls = calls.exclude(status=CallStatus.DRAFT)
    return calls.get(slug=slug)


def call_is_open(*, call: Call, now=None) -> bool:
    now = now or timezone.now()
    return call.status == CallStatus.PUBLISHED and call.opens_at <= now and call.next_cutoff(now) is not None


def _attachment_count(kind: str):
    return Coalesce(
        Subquery(
            Attachment.objects.filter(application=OuterRef("pk"), kind=kind)
            .order_by()
            .values("application")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _slot_ids():
    return Subquery(
        Attachment.objects.filter(application=OuterRef("pk"), slot__isnull=False)
        .order_by()
        .values("application")
        .annotate(ids=ArrayAgg("slot_id", distinct=True))
        .values("ids")[:1],
        output_field=ArrayField(IntegerField()),
    )


def with_attachment_counts(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.annotate(
        annex_count=_attachment_count(AttachmentKind.TECHNICAL_ANNEX),
        cv_count=_attachment_count(AttachmentKind.CV),
        filled_slot_ids=_slot_ids(),
    ).select_related("form_version")


def applications_for_user(*, user: User) -> QuerySet[Application]:
    """Applications of the organisations ``user`` belongs to, newest first, with what lists need."""
    if not user.is_authenticated:
        return Application.objects.none()
    return with_attachment_counts(
        Application.objects.filter(organisation__memberships__user=user)
        .select_related("call__access_mode", "organisation", "pi")
        .order_by("-updated_at", "-id")
    )


def application_for_member(*, user: User, pk: int) -> Application:
    """The application if ``user`` is a member of its organisation; ``Application.DoesNotExist`` otherwise."""
    return applications_for_user(user=user).select_related("cutoff", "preferred_gigafactory").get(pk=pk)


def application_completeness(application: Application) -> Completeness:
    annex = getattr(application, "annex_count", None)
    cvs = getattr(application, "cv_count", None)
    slot_ids = getattr(application, "filled_slot_ids", ())
    if annex is None or cvs is None:
        rows = list(application.attachments.values_list("kind", "slot_id"))
        kinds = [kind for kind, _slot in rows]
        annex, cvs = kinds.count(AttachmentKind.TECHNICAL_ANNEX), kinds.count(AttachmentKind.CV)
        slot_ids = [slot for _kind, slot in rows if slot is not None]
    return completeness(
        application, annex_count=annex, cv_count=cvs, form=application.form_version, slot_ids=tuple(slot_ids or ())
    )


def missing_label(application: Application, name: str) -> str:
    """The label of a missing answer: a form field, a call question (``question:<id>``) or a document slot."""
    kind, _sep, key = name.partition(":")
    form = application.form_version
    if kind == "question" and form is not None:
        return next((q["label"] for q in form.questions if str(q["id"]) == key), name)
    if kind == "slot" and form is not None:
        return next((s["name"] for s in form.document_slots if str(s["id"]) == key), name)
    return field_label(name)


def asks_in_questions_step(application: Application) -> bool:
    questions = application.form_version.questions if application.form_version_id else []
    return any(question_step(q) == Section.QUESTIONS for q in questions)


def form_steps(application: Application) -> list[Section]:
    """The steps of this application's form: the "Call questions" step only when its form version places a
    question there (the others sit below the fields of their steps)."""
    return [s for s in Section if s != Section.QUESTIONS or asks_in_questions_step(application)]


def field_label(name: str) -> str:
    labels = {"technical_annex": AttachmentKind.TECHNICAL_ANNEX.label, "cv": AttachmentKind.CV.label}
    if name in labels:
        return str(labels[name])
    return str(Application._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class SectionState:
    key: str
    label: str
    complete: bool
    missing: list[str]


def section_states(application: Application) -> list[SectionState]:
    """Each form step with whether it is complete and the labels of what it still lacks."""
    result = application_completeness(application)
    return [
        SectionState(
            key=section.value,
            label=str(section.label),
            complete=result.section_complete(section.value),
            missing=[missing_label(application, name) for name in result.missing.get(section.value, ())],
        )
        for section in form_steps(application)
        if section != Section.REVIEW
    ]


def roles_of(*, user: User | None, application: Application) -> frozenset[Role]:
    """What ``user`` is to ``application``: every role of the workflow table they hold (PI, owner/member of the
    organisation, call manager, allocation admin); ``None`` is the portal itself (scheduled tasks and follow-up
    steps)."""
    return roles_of_each(user=user, applications=[application])[0]


def roles_of_each(*, user: User | None, applications: list[Application]) -> list[frozenset[Role]]:
    """:func:`roles_of` for many applications at once (in their order), in at most two queries."""
    if user is None:
        return [frozenset({Role.PORTAL})] * len(applications)
    if not user.is_authenticated:
        return [frozenset()] * len(applications)
    platform = set()
    if has_role(user, PlatformRole.CALL_MANAGER):
        platform.add(Role.CALL_MANAGER)
    if is_allocation_admin(user):
        platform.add(Role.ALLOCATION_ADMIN)
    memberships = dict(
        Membership.objects.filter(organisation_id__in={a.organisation_id for a in applications}, user=user).values_list(
            "organisation_id", "role"
        )
    )
    result = []
    for application in applications:
        roles = set(platform)
        if application.pi_id == user.pk:
            roles.add(Role.PI)
        membership_role = memberships.get(application.organisation_id)
        if membership_role is not None:
            roles.add(Role.ORG_MEMBER)
            if membership_role == MembershipRole.OWNER:
                roles.add(Role.ORG_OWNER)
        result.append(frozenset(roles))
    return result


def application_events(*, application: Application) -> list[ApplicationEvent]:
    """The status timeline, oldest first, each event with ``actor_label``: see :func:`event_actor`."""
    events = list(
        ApplicationEvent.objects.filter(application=application).select_related("actor").order_by("created_at", "id")
    )
    for event in events:
        _user, event.actor_label = event_actor(event, pi_id=application.pi_id)
    return events


# The applying side: the applicants' timeline names these people; staff appear by their role only (a call manager's
# or an admin's name and address are not the applicants' business), the portal as the portal.
APPLICANT_ROLES = frozenset({Role.PI, Role.ORG_OWNER, Role.ORG_MEMBER})


def event_actor(event: ApplicationEvent, *, pi_id: int | None) -> tuple[User | None, str]:
    """Who took ``event`` as the applicants may see it: ``(user, label)`` for someone of the applying side (an
    action only they take, or the PI), ``(None, role)`` for staff and ``(None, "the portal")`` for the portal."""
    if event.actor_id is None:
        return None, str(_("the portal"))
    rule = transition_for(event.from_status, event.action)
    roles = rule.who if rule else frozenset()
    if event.actor_id == pi_id or (roles and roles <= APPLICANT_ROLES | {Role.PORTAL}):
        return event.actor, str(event.actor)
    staff = sorted(roles - APPLICANT_ROLES - {Role.PORTAL})
    return None, str(Role(staff[0]).label) if staff else str(_("Portal staff"))


def application_members(*, application: Application) -> QuerySet[ApplicationMember]:
    return ApplicationMember.objects.filter(application=application).select_related("user")


def application_attachments(*, application: Application) -> QuerySet[Attachment]:
    return Attachment.objects.filter(application=application).select_related("uploaded_by")


def attachment_for_member(*, user: User, application_pk: int, pk: int) -> Attachment:
    """An attachment of an application ``user`` may see; ``Attachment.DoesNotExist`` otherwise."""
    return Attachment.objects.filter(
        application_id=application_pk, application__organisation__memberships__user=user
    ).get(pk=pk)


def organisations_for_applying(*, user: User):
    from accounts.models import Organisation

    return Organisation.objects.filter(memberships__user=user).order_by("legal_name")


def organisation_members(*, organisation_id: int) -> QuerySet[User]:
    return User.objects.filter(memberships__organisation_id=organisation_id).order_by("full_name", "email")


def section_snapshot(application: Application, section: str) -> dict:
    """The saved values of one section, for showing the newer text after a conflict."""
    values = {name: getattr(application, name) for name in SECTION_FIELDS[section]}
    if section == Section.TEAM:
        values["members"] = [
            {"email": m.email, "role": m.role} for m in ApplicationMember.objects.filter(application=application)
        ]
    return values


@dataclass
class Dashboard:
    groups: list[tuple[str, str, list[Application]]]
    drafts: list[Application]
    open_calls: list[Call]


STATUS_GROUPS = [
    (
        "in_progress",
        (
            Status.SUBMITTED,
            Status.ELIGIBILITY_CHECK,
            Status.IN_REVIEW,
            Status.REVIEWS_COMPLETE,
            Status.RIGHT_TO_REPLY,
            Status.PANEL,
        ),
    ),
    ("decided", (Status.APPROVED, Status.WAITLISTED, Status.REJECTED, Status.INELIGIBLE)),
    ("grants", (Status.OFFERED, Status.ACCEPTED, Status.ACTIVE, Status.DECLINED, Status.CLOSED)),
    ("withdrawn", (Status.WITHDRAWN,)),
]


STATUS_GROUP_LABELS = {
    "in_progress": _("Submitted and in review"),
    "decided": _("Decided"),
    "grants": _("Offers and grants"),
    "withdrawn": _("Withdrawn"),
}


def applicant_dashboard(*, user: User, now=None) -> Dashboard:
    """My applications grouped by status, drafts with completeness, open calls with their cut-offs.

    A fixed number of queries whatever the number of applications or calls.
    """
    now = now or timezone.now()
    applications = list(
        applications_for_user(user=user).prefetch_related(
            Prefetch("call__cutoffs", queryset=CallCutoff.objects.filter(at__gt=now).order_by("at"))
        )
    )
    by_status = {status: [] for status in Status}
    for application in applications:
        application.completeness = application_completeness(application)
        by_status[Status(application.status)].append(application)
    groups = []
    for key, statuses in STATUS_GROUPS:
        members = [a for status in statuses for a in by_status[status]]
        if members:
            groups.append((key, str(STATUS_GROUP_LABELS[key]), members))
    return Dashboard(
        groups=groups,
        drafts=by_status[Status.DRAFT],
        open_calls=list(calls_open_and_upcoming(now=now).filter(opens_at__lte=now)),
    )


def cutoffs_due_for_reminders(*, now, within_days: int = 7) -> list[CallCutoff]:
    """For each published call, its next cut-off if that falls within ``within_days`` of ``now``."""
    next_cutoffs = (
        CallCutoff.objects.filter(call__status=CallStatus.PUBLISHED, at__gt=now)
        .order_by("call_id", "at")
        .distinct("call_id")
        .select_related("call")
    )
    horizon = now + timezone.timedelta(days=within_days)
    return [cutoff for cutoff in next_cutoffs if cutoff.at <= horizon]


def drafts_of_call(*, call: Call) -> QuerySet[Application]:
    return Application.objects.filter(call=call, status=Status.DRAFT).select_related("pi", "created_by", "call")


def drafts_near_cutoff(*, user: User, now, within_days: int = 14) -> QuerySet[Application]:
    """Drafts of ``user``'s organisations whose call closes a cut-off within ``within_days``, soonest first.

    Each carries ``next_cutoff_at``. One query for a slice, one for the count.
    """
    horizon = now + timezone.timedelta(days=within_days)
    return (
        Application.objects.filter(
            organisation__memberships__user=user, status=Status.DRAFT, call__status=CallStatus.PUBLISHED
        )
        .annotate(
            next_cutoff_at=Subquery(
                CallCutoff.objects.filter(call=OuterRef("call_id"), at__gt=now).order_by("at").values("at")[:1]
            )
        )
        .filter(next_cutoff_at__lte=horizon)
        .select_related("call")
        .order_by("next_cutoff_at", "id")
    )
