"""Drafts: created by a member, edited section by section (with a version per section), attachments."""

import os
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, User
from allocations.applications import selectors
from allocations.applications.answers import clean_answers
from allocations.applications.completeness import in_step
from allocations.applications.limits import resource_limit_errors
from allocations.applications.pdf import check_pdf
from allocations.applications.services._common import (
    MAX_ATTACHMENTS,
    MAX_TEAM_MEMBERS,
    SectionConflict,
    _lock,
    _require_editor,
)
from allocations.models import (
    SECTION_FIELDS,
    Application,
    ApplicationMember,
    Attachment,
    AttachmentKind,
    Call,
    Section,
    TeamRole,
)
from portal.text import inline_label

# --- Drafts ------------------------------------------------------------------------------------------------------


def application_create(*, call: Call, organisation: Organisation, by: User, now=None) -> Application:
    """A member of ``organisation`` starts a draft for a call open at ``now`` (default: the clock); they become its
    PI."""
    if not Membership.objects.filter(organisation=organisation, user=by).exists():
        raise PermissionDenied(_("You are not a member of %(org)s.") % {"org": organisation})
    call = Call.objects.select_related("access_mode").prefetch_related("cutoffs").get(pk=call.pk)
    if not selectors.call_is_open(call=call, now=now):
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


def _team_members(application: Application, members: list[dict]) -> None:
    """Replace the team list. Nobody is emailed here: invitations leave only through ``team_member_invite``."""
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
    ApplicationMember.objects.filter(application=application).delete()
    ApplicationMember.objects.bulk_create(
        ApplicationMember(application=application, email=email, role=role, user=users.get(email), position=i)
        for i, (email, role) in enumerate(cleaned)
    )


def _merge_answers(application: Application, section: str, answers, errors: dict[str, list[str]]) -> None:
    """Check answers to the call's questions (keyed by question id) against the application's form version and
    merge them into the saved ones; an empty answer removes one. A step saves the answers of its own questions;
    the "Call questions" section (the API's ``answers``) those of any question of the form."""
    questions = application.form_version.questions if application.form_version_id else []
    if section != Section.QUESTIONS:
        questions = in_step(questions, section)
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
    touched = [name for name in SECTION_FIELDS[section] if name in values and name != "answers"]
    for name in touched:
        setattr(application, name, values[name])
    if "answers" in values:  # merged into the saved answers, which may belong to other steps
        _merge_answers(application, section, values["answers"], errors)
        touched.append("answers")
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
    refused with ``SectionConflict`` (nothing is saved); field errors raise ``ValidationError``. A section's
    ``values`` may carry ``answers`` to the call's questions placed in that step. Incomplete answers are fine
    here; completeness and bounds are checked at submission.
    """
    with transaction.atomic():
        application = _lock(application_id)
        _require_editor(application, by)
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
            _team_members(application, team[1]["members"])
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
