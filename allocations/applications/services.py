"""Writes for calls and applications.

Every function takes keyword arguments and the acting user ``by``, checks permission and input, runs in one
transaction and raises ``ValidationError`` (a form error / API 400), ``SectionConflict`` (a stale save; API 409)
or ``PermissionDenied``. Emails leave only after commit.
"""

import logging
import os
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import Invitation, InvitationStatus, Membership, MembershipRole, Organisation, User
from allocations.applications import selectors
from allocations.applications.answers import clean_answers
from allocations.applications.limits import resource_limit_errors
from allocations.applications.pdf import check_pdf
from allocations.applications.workflow import COUNTS_AGAINST_LIMIT, Action, Role, Status, Transition, transition_for
from allocations.models import (
    SECTION_FIELDS,
    Application,
    ApplicationEvent,
    ApplicationMember,
    Attachment,
    AttachmentKind,
    Call,
    CallCutoff,
    DraftReminder,
    ReferenceCounter,
    ReminderKind,
    Section,
    TeamRole,
)
from portal.emails import queue_templated_email
from portal.links import absolute_url
from portal.text import inline_label

logger = logging.getLogger(__name__)

BRUSSELS = ZoneInfo("Europe/Brussels")
EDITORS = frozenset({Role.PI, Role.ORG_OWNER, Role.ORG_MEMBER})
MAX_TEAM_MEMBERS = 30
MAX_ATTACHMENTS = 20


class TransitionRefused(ValidationError):
    """The action is not allowed from the application's status."""


class SectionConflict(ValidationError):
    """A section was saved from a stale version; ``current`` holds the newer saved values."""

    def __init__(self, message: str, *, section: str, application: Application, current: dict):
        super().__init__(message, code="conflict")
        self.section = section
        self.application = application
        self.current = current


def brussels_time(moment) -> str:
    return formats.date_format(moment.astimezone(BRUSSELS), "DATETIME_FORMAT")


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__access_mode", "form_version")
        .get(pk=application_id)
    )


def _require_editor(application: Application, by: User) -> frozenset[Role]:
    roles = selectors.roles_of(user=by, application=application)
    if not roles & EDITORS:
        raise PermissionDenied(_("Only members of the applying organisation can change this application."))
    if not application.is_editable:
        raise ValidationError(
            _("This application is %(status)s and can no longer be changed.")
            % {"status": inline_label(Status(application.status).label)}
        )
    return roles


# --- Drafts ------------------------------------------------------------------------------------------------------


def application_create(*, call: Call, organisation: Organisation, by: User) -> Application:
    """A member of ``organisation`` starts a draft for an open call; they become its PI."""
    if not Membership.objects.filter(organisation=organisation, user=by).exists():
        raise PermissionDenied(_("You are not a member of %(org)s.") % {"org": organisation})
    call = Call.objects.select_related("access_mode").prefetch_related("cutoffs").get(pk=call.pk)
    if not selectors.call_is_open(call=call):
        raise ValidationError(_("This call is not open for applications."))
    return Application.objects.create(
        call=call,
        organisation=organisation,
        created_by=by,
        pi=by,
        form_version=call.form_versions.filter(number=call.form_version).first(),
    )


def _normalise_keywords(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    seen: dict[str, str] = {}
    for keyword in value or []:
        keyword = str(keyword).strip()
        if keyword and keyword.lower() not in seen:
            seen[keyword.lower()] = keyword
    return list(seen.values())


def _team_members(application: Application, members: list[dict], by: User, by_roles: frozenset[Role]) -> None:
    """Replace the team list; new addresses outside the organisation are invited to it when ``by`` is an owner."""
    cleaned: list[tuple[str, str]] = []
    for member in members:
        email = (member.get("email") or "").strip().lower()
        role = member.get("role") or TeamRole.RESEARCHER
        if not email:
            continue
        if role not in TeamRole.values:
            raise ValidationError({"members": _("Choose a role for %(email)s.") % {"email": email}})
        if email in {e for e, _r in cleaned}:
            raise ValidationError({"members": _("%(email)s is listed twice.") % {"email": email}})
        cleaned.append((email, role))
    if len(cleaned) > MAX_TEAM_MEMBERS:
        raise ValidationError({"members": _("A team has at most %(n)d members.") % {"n": MAX_TEAM_MEMBERS}})
    users = {
        u.email.lower(): u
        for u in User.objects.filter(
            memberships__organisation_id=application.organisation_id, email__in=[e for e, _r in cleaned]
        )
    }
    previous = set(ApplicationMember.objects.filter(application=application).values_list("email", flat=True))
    ApplicationMember.objects.filter(application=application).delete()
    ApplicationMember.objects.bulk_create(
        ApplicationMember(application=application, email=email, role=role, user=users.get(email), position=i)
        for i, (email, role) in enumerate(cleaned)
    )
    if Role.ORG_OWNER not in by_roles:
        return
    organisation = application.organisation
    pending = set(
        Invitation.objects.filter(organisation=organisation, status=InvitationStatus.PENDING).values_list(
            "email", flat=True
        )
    )
    for email, _role in cleaned:
        if email not in users and email not in previous and email not in pending:
            account_services.invitation_create(
                organisation=organisation, email=email, role=MembershipRole.MEMBER, by=by
            )


def _merge_answers(application: Application, answers, errors: dict[str, list[str]]) -> None:
    """Check answers to the call's questions (keyed by question id) against the application's form version and
    merge them into the saved ones; an empty answer removes one."""
    questions = application.form_version.questions if application.form_version_id else []
    if not isinstance(answers, dict):
        errors["answers"].append(_("Give the answers keyed by question id."))
        return
    cleaned, problems = clean_answers(questions, answers)
    for field, messages in problems.items():
        errors[field].extend(messages)
    merged = {**(application.answers or {}), **cleaned}
    application.answers = {key: value for key, value in merged.items() if value is not None}


def _check_versions(application: Application, changes: dict[str, tuple[int, dict]]) -> None:
    """Refuse unknown sections, and sections saved from a version that moved on (``SectionConflict``)."""
    for section, (version, _values) in changes.items():
        if section not in SECTION_FIELDS:
            raise ValidationError(_("Unknown section %(section)s.") % {"section": section})
        if application.section_version(section) != version:
            raise SectionConflict(
                _(
                    "The %(section)s section was changed elsewhere (in another tab or by a team member) since "
                    "you opened it. Your changes were not saved. Compare with the newer version shown, then "
                    "save again to replace it."
                )
                % {"section": inline_label(Section(section).label)},
                section=section,
                application=application,
                current=selectors.section_snapshot(application, section),
            )


def _apply_section(application: Application, section: str, values: dict, errors: dict[str, list[str]]) -> list[str]:
    """Set one section's values on ``application`` and collect its own checks' errors; returns the fields set."""
    touched = [name for name in SECTION_FIELDS[section] if name in values]
    for name in touched:
        setattr(application, name, values[name])
    if section == Section.QUESTIONS and "answers" in values:
        _merge_answers(application, values["answers"], errors)
    if section == Section.PROJECT and "keywords" in values:
        application.keywords = _normalise_keywords(values["keywords"])
    if (
        section == Section.TEAM
        and application.pi_id is not None
        and not Membership.objects.filter(
            organisation_id=application.organisation_id, user_id=application.pi_id
        ).exists()
    ):
        errors["pi"].append(_("The principal investigator must be a member of the organisation."))
    if section == Section.RESOURCES:
        if application.start_month is not None:
            application.start_month = application.start_month.replace(day=1)
        gigafactory_id = application.preferred_gigafactory_id
        if gigafactory_id is not None and not application.call.gigafactories.filter(pk=gigafactory_id).exists():
            errors["preferred_gigafactory"].append(_("Choose one of the call's Gigafactories."))
        for field, messages in resource_limit_errors(application).items():
            errors[field].extend(messages)
    return touched


def application_update(*, application_id: int, by: User, changes: dict[str, tuple[int, dict]]) -> Application:
    """Save one or more sections of a draft: ``{section: (version_loaded, values)}``.

    Members of the organisation may edit drafts. A section whose version moved on since it was loaded is
    refused with ``SectionConflict`` (nothing is saved); field errors raise ``ValidationError``. Incomplete
    answers are fine here; completeness and bounds are checked at submission.
    """
    with transaction.atomic():
        application = _lock(application_id)
        roles = _require_editor(application, by)
        _check_versions(application, changes)
        touched: list[str] = []
        errors: dict[str, list[str]] = defaultdict(list)
        for section, (_version, values) in changes.items():
            touched += _apply_section(application, section, values, errors)
        try:
            application.full_clean(
                exclude=[f.name for f in Application._meta.fields if f.name not in touched],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[field].extend(messages)
        if errors:
            raise ValidationError(dict(errors))
        for section in changes:
            setattr(application, f"{section}_version", application.section_version(section) + 1)
        application.save(update_fields=[*touched, *(f"{s}_version" for s in changes), "updated_at"])
        team = changes.get(Section.TEAM)
        if team is not None and "members" in team[1]:
            _team_members(application, team[1]["members"], by, roles)
    return application


# --- Attachments ---------------------------------------------------------------------------------------------------


def _slot_of(application: Application, slot_id) -> dict:
    slots = application.form_version.document_slots if application.form_version_id else []
    slot = next((s for s in slots if str(s["id"]) == str(slot_id)), None)
    if slot is None:
        raise ValidationError({"slot": _("Choose one of the documents this call asks for.")})
    return slot


def attachment_add(*, application_id: int, kind: str, upload, by: User, slot_id: int | None = None) -> Attachment:
    """Store a PDF (checked by content) in private storage for a draft: for one of the call's document slots
    (``slot_id``; within the slot's size limit; it replaces the slot's earlier document) or, for calls without
    slots, as a technical annex or CV (at most 10 MB)."""
    if slot_id is not None:
        kind = AttachmentKind.CALL_DOCUMENT
    elif kind not in (AttachmentKind.TECHNICAL_ANNEX, AttachmentKind.CV):
        raise ValidationError({"kind": _("Choose the kind of document.")})
    if upload is None:
        raise ValidationError({"file": _("Choose a PDF file to upload.")})
    with transaction.atomic():
        application = _lock(application_id)
        _require_editor(application, by)
        slot = _slot_of(application, slot_id) if slot_id is not None else None
        max_bytes = slot["max_size_mb"] * 1024 * 1024 if slot else Attachment.MAX_BYTES
        sha256 = check_pdf(upload, max_bytes=max_bytes)
        if Attachment.objects.filter(application=application).count() >= MAX_ATTACHMENTS:
            raise ValidationError(_("An application has at most %(n)d attachments.") % {"n": MAX_ATTACHMENTS})
        if slot is not None:
            for earlier in Attachment.objects.filter(application=application, slot_id=slot["id"]):
                name, storage = earlier.file.name, earlier.file.storage
                earlier.delete()
                transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        attachment = Attachment(
            application=application,
            kind=kind,
            slot_id=slot["id"] if slot else None,
            original_name=os.path.basename(upload.name or "document.pdf")[:255],
            size=upload.size,
            sha256=sha256,
            uploaded_by=by,
        )
        attachment.file.save("document.pdf", upload, save=False)
        stored = attachment.file.name
        try:
            attachment.save()
        except Exception:
            attachment.file.storage.delete(stored)
            raise
    return attachment


def attachment_remove(*, attachment_id: int, by: User) -> None:
    with transaction.atomic():
        attachment = Attachment.objects.select_related("application").get(pk=attachment_id)
        application = _lock(attachment.application_id)
        _require_editor(application, by)
        name, storage = attachment.file.name, attachment.file.storage
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(name))


# --- Transitions -------------------------------------------------------------------------------------------------


def _refusal(application: Application, action: Action) -> str:
    if action == Action.SUBMIT and application.status != Status.DRAFT:
        return _("This application has already been submitted (%(ref)s).") % {"ref": application.reference or "—"}
    return _("You cannot %(action)s an application that is %(status)s.") % {
        "action": Action(action).label,
        "status": inline_label(Status(application.status).label),
    }


def _rule(application: Application, action: Action, roles: frozenset[Role]) -> Transition:
    rule = transition_for(application.status, action)
    if rule is None:
        raise TransitionRefused(_refusal(application, action), code="transition")
    if not roles & rule.who:
        raise PermissionDenied(
            _("Only %(roles)s may %(action)s this application.")
            % {
                "roles": _(" or ").join(inline_label(Role(r).label) for r in sorted(rule.who)),
                "action": Action(action).label,
            }
        )
    return rule


def check_transition(*, application: Application, action: Action, by: User | None) -> Transition:
    """The rule for ``action`` if ``by`` may take it now; raises TransitionRefused or PermissionDenied."""
    return _rule(application, action, selectors.roles_of(user=by, application=application))


def _apply(applications: list[Application], *, action: Action, by: User | None, comment: str, now) -> None:
    """The one applier of the workflow table. The caller holds the rows' locks. Every application is checked
    (status and ``by``'s roles) before anything is written, then each moves to its new status with one
    append-only event row; one refusal refuses all."""
    roles = selectors.roles_of_each(user=by, applications=applications)
    rules = [_rule(application, action, r) for application, r in zip(applications, roles, strict=True)]
    events = []
    by_target: dict[Status, list[int]] = defaultdict(list)
    for application, rule in zip(applications, rules, strict=True):
        events.append(
            ApplicationEvent(
                application=application,
                actor=by,
                action=action,
                from_status=application.status,
                to_status=rule.to,
                comment=comment,
            )
        )
        by_target[rule.to].append(application.pk)
        application.status, application.updated_at = rule.to, now
    for status, ids in by_target.items():
        Application.objects.filter(pk__in=ids).update(status=status, updated_at=now)
    ApplicationEvent.objects.bulk_create(events, batch_size=5000)


def application_transition(
    *, application_id: int, action: Action, by: User | None, comment: str = "", now=None
) -> Application:
    """Apply one action of the workflow table under a row lock, with an append-only event row. One transaction.
    ``by=None`` is the portal itself. Raises TransitionRefused (wrong status) or PermissionDenied (wrong role)."""
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        _apply([application], action=action, by=by, comment=comment, now=now)
    return application


def applications_transition(
    *, application_ids: list[int], action: Action, by: User | None, comment: str = "", now=None
) -> list[Application]:
    """:func:`application_transition` for many applications at once (an allocation run's commit offers thousands):
    rows locked in id order, all moved or none. Returns them in id order."""
    now = now or timezone.now()
    with transaction.atomic():
        applications = list(Application.objects.select_for_update().filter(pk__in=application_ids).order_by("pk"))
        if len(applications) != len(set(application_ids)):
            raise Application.DoesNotExist
        _apply(applications, action=action, by=by, comment=comment, now=now)
    return applications


def _submission_problems(application: Application, *, now) -> dict[str, list[str]]:
    call = application.call
    problems: dict[str, list[str]] = defaultdict(list)
    cutoff = CallCutoff.objects.filter(call=call, at__gt=now).order_by("at").first()
    if call.status != "published" or call.opens_at > now or cutoff is None:
        last = CallCutoff.objects.filter(call=call).order_by("-at").first()
        if last is not None and last.at <= now:
            problems["__all__"].append(
                _("The cut-off of this call has passed (%(when)s Brussels time). Submissions are closed.")
                % {"when": brussels_time(last.at)}
            )
        else:
            problems["__all__"].append(_("This call is not open for submissions."))

    result = selectors.application_completeness(application)
    if not result.is_complete:
        parts = [
            "{} ({})".format(
                Section(section).label, ", ".join(selectors.missing_label(application, name) for name in missing)
            )
            for section, missing in result.missing.items()
            if missing
        ]
        problems["__all__"].append(
            _("Complete every section before submitting. Missing: %(parts)s.") % {"parts": "; ".join(parts)}
        )

    for field, messages in resource_limit_errors(application).items():
        problems[field].extend(messages)

    # Locking the organisation serialises submissions of its applications, so the per-call limit holds.
    organisation = Organisation.objects.select_for_update(no_key=True).get(pk=application.organisation_id)
    countries = {c.code for c in call.eligible_countries}
    if countries and organisation.country.code not in countries:
        problems["__all__"].append(
            _("Organisations from %(country)s are not eligible for this call.") % {"country": organisation.country.name}
        )
    if call.eligible_organisation_types and organisation.type not in call.eligible_organisation_types:
        problems["__all__"].append(
            _("Organisations of type “%(type)s” are not eligible for this call.")
            % {"type": organisation.get_type_display()}
        )
    submitted = (
        Application.objects.filter(call=call, organisation=organisation, status__in=COUNTS_AGAINST_LIMIT)
        .exclude(pk=application.pk)
        .count()
    )
    if submitted >= call.max_applications_per_organisation:
        problems["__all__"].append(
            _("%(org)s has reached this call's limit of %(n)d applications per organisation.")
            % {"org": organisation, "n": call.max_applications_per_organisation}
        )
    return problems


def _next_reference(now) -> str:
    """GAP-<year>-<6 digits>, gap-free per year: the year's counter row is locked until the transaction ends."""
    year = timezone.localtime(now).year
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year, last_number=0)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"GAP-{year}-{counter.last_number:06d}"


def _queue_submitted_email(application: Application, *, by: User) -> None:
    recipients = list(dict.fromkeys(u.email for u in (application.pi, by) if u is not None))
    queue_templated_email(
        to=recipients,
        template="allocations/email/submitted",
        context={
            "application": application,
            "call": application.call,
            "by": by,
            "cutoff": brussels_time(application.cutoff.at),
            "url": absolute_url("application_detail", pk=application.pk),
        },
    )


def application_submit(*, application_id: int, by: User, declaration: bool, now=None) -> Application:
    """Submit a draft. Refused with every reason at once (``ValidationError``): incomplete sections, a request
    outside the call's bounds, a minimum above the request, an ineligible organisation, a passed cut-off or the
    organisation's limit for the call. On success: read-only, a gap-free reference, an event and an email after
    commit. Concurrent submits of one application serialise on its row lock: one wins, the others are refused.
    """
    if not declaration:
        raise ValidationError({"declaration": _("Confirm the declaration to submit the application.")})
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        check_transition(application=application, action=Action.SUBMIT, by=by)
        problems = _submission_problems(application, now=now)
        if problems:
            raise ValidationError(dict(problems))
        application.cutoff = CallCutoff.objects.filter(call=application.call, at__gt=now).order_by("at").first()
        application.submitted_at = now
        application.reference = _next_reference(now)
        application.save(update_fields=["cutoff", "submitted_at", "reference"])
        _apply([application], action=Action.SUBMIT, by=by, comment="", now=now)
        _queue_submitted_email(application, by=by)
    return application


def application_withdraw(*, application_id: int, by: User, comment: str = "") -> Application:
    """The PI or an owner withdraws the application (possible until the decision)."""
    return application_transition(application_id=application_id, action=Action.WITHDRAW, by=by, comment=comment)


# --- Reminders ---------------------------------------------------------------------------------------------------


def draft_reminders_send(*, now=None) -> int:
    """Email the PI and author of each draft 7 days and 1 day before its call's next cut-off, each reminder once.

    Idempotent: a unique row per (draft, cut-off, kind) is written before the email is queued, so a second run
    (or two runs at once) sends nothing again. Returns the number of reminders queued.
    """
    now = now or timezone.now()
    sent = 0
    for cutoff in selectors.cutoffs_due_for_reminders(now=now, within_days=7):
        kind = ReminderKind.DAY if cutoff.at - now <= timezone.timedelta(days=1) else ReminderKind.WEEK
        for application in selectors.drafts_of_call(call=cutoff.call):
            with transaction.atomic():
                _reminder, created = DraftReminder.objects.get_or_create(
                    application=application, cutoff=cutoff, kind=kind
                )
                if not created:
                    continue
                recipients = list(
                    dict.fromkeys(u.email for u in (application.pi, application.created_by) if u is not None)
                )
                queue_templated_email(
                    to=recipients,
                    template="allocations/email/draft_reminder",
                    context={
                        "application": application,
                        "call": cutoff.call,
                        "cutoff": brussels_time(cutoff.at),
                        "days": 1 if kind == ReminderKind.DAY else 7,
                        "url": absolute_url("application_detail", pk=application.pk),
                    },
                )
                sent += 1
    return sent
