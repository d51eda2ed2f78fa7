"""Creating, cloning, editing, publishing and closing calls (call managers only).

Each function runs in one transaction, locks the call's row, writes a ``CallEvent`` and raises
``ValidationError`` with field errors (a form error / API 400) or ``PermissionDenied``. A draft may change
freely; once published only the summary, the description and the cut-offs may change, and the call may be closed
early. Everything else is refused with the reason; the questions and documents change through a new form version.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.calls.services._common import (
    EDITABLE_AFTER_PUBLISHING,
    lock_call,
    record,
    require_call_manager,
    require_not_closed,
)
from allocations.applications.calls.services.form import copy_form, freeze_form
from allocations.applications.calls.services.rules import (
    call_errors,
    criteria_errors,
    cutoff_errors,
    publish_problems,
    when_text,
)
from allocations.models import Call, CallCutoff, CallEventKind, CallStatus, Gigafactory, RubricCriterion

CALL_FIELDS = (
    "title",
    "slug",
    "summary",
    "description",
    "access_mode",
    "opens_at",
    "is_continuous",
    "eligible_countries",
    "eligible_organisation_types",
    "min_request_gpu_hours",
    "max_request_gpu_hours",
    "allowed_durations_months",
    "score_min",
    "score_max",
    "max_applications_per_organisation",
    "reviewers_per_application",
    "reply_window_days",
    "blind_review",
    "pool_gpu_hours_per_quarter",
    "awards_confidential",
)


def _current(call: Call, name: str):
    value = getattr(call, name)
    if name == "eligible_countries":
        return [c.code for c in value]
    return value


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _save_cutoffs(call: Call, cutoffs: list) -> None:
    call.cutoffs.exclude(at__in=cutoffs).filter(applications__isnull=True).delete()
    existing = set(call.cutoffs.values_list("at", flat=True))
    CallCutoff.objects.bulk_create([CallCutoff(call=call, at=at) for at in cutoffs if at not in existing])


def _save_criteria(call: Call, criteria: list[dict]) -> None:
    call.criteria.all().delete()
    RubricCriterion.objects.bulk_create(
        RubricCriterion(
            call=call,
            name=c["name"].strip(),
            description=(c.get("description") or "").strip(),
            weight=c["weight"],
            threshold=c["threshold"],
            position=i,
        )
        for i, c in enumerate(criteria)
    )


def _save(call: Call) -> None:
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        raise ValidationError({"slug": [_("Another call already uses this address (slug).")]}) from None


def call_create(
    *,
    by: User,
    values: dict,
    gigafactories: list[Gigafactory],
    cutoffs: list[dt.datetime] = (),
    criteria: list[dict] = (),
    now=None,
) -> Call:
    """A call manager creates a draft call. Every setting is checked; cut-offs and rubric may follow later."""
    require_call_manager(by)
    now = now or timezone.now()
    cutoffs, criteria = sorted(c for c in cutoffs if c), list(criteria)
    values = {k: v for k, v in values.items() if k in CALL_FIELDS}
    if not values.get("slug") and values.get("title"):
        values["slug"] = slugify(values["title"])[:120]
    call = Call(status=CallStatus.DRAFT, **values)
    errors = call_errors(call, gigafactories)
    if problems := cutoff_errors(cutoffs, now=now):
        errors["cutoffs"] = problems
    if problems := criteria_errors(criteria, score_min=call.score_min, score_max=call.score_max):
        errors["criteria"] = problems
    _raise(errors)
    with transaction.atomic():
        _save(call)
        call.gigafactories.set(gigafactories)
        _save_cutoffs(call, cutoffs)
        _save_criteria(call, criteria)
        record(call, by, CallEventKind.CREATED, title=call.title)
    return call


def call_update(*, call_id: int, by: User, values: dict, gigafactories: list[Gigafactory] | None = None) -> Call:
    """Change a call's settings. A published call takes only summary and description changes; any other change
    is refused with the fields it concerns and the reason."""
    require_call_manager(by)
    with transaction.atomic():
        call = lock_call(call_id)
        require_not_closed(call)
        changed = [name for name in CALL_FIELDS if name in values and _current(call, name) != values[name]]
        gigafactories_changed = gigafactories is not None and {g.pk for g in gigafactories} != set(
            call.gigafactories.values_list("pk", flat=True)
        )
        if call.status != CallStatus.DRAFT:
            refused = [n for n in changed if n not in EDITABLE_AFTER_PUBLISHING]
            if gigafactories_changed:
                refused.append("gigafactories")
            if refused:
                reason = _(
                    "This call is published: only its description, summary and cut-offs may change, so that every "
                    "applicant answers the same call. Close it and publish a new call for other changes."
                )
                raise ValidationError({name: [reason] for name in refused})
        for name in changed:
            setattr(call, name, values[name])
        _raise(call_errors(call, gigafactories))
        _save(call)
        if gigafactories_changed:
            call.gigafactories.set(gigafactories)
            changed.append("gigafactories")
        if changed:
            record(call, by, CallEventKind.UPDATED, fields=changed)
    return call


def call_set_criteria(*, call_id: int, by: User, criteria: list[dict]) -> Call:
    """Replace the rubric of a draft call. Refused once published: reviews score against it."""
    require_call_manager(by)
    with transaction.atomic():
        call = lock_call(call_id)
        if call.status != CallStatus.DRAFT:
            raise ValidationError(
                {
                    "criteria": [
                        _(
                            "The rubric cannot change after publishing: applicants were told how they will be "
                            "scored and reviews score against it."
                        )
                    ]
                },
                code="published",
            )
        if problems := criteria_errors(criteria, score_min=call.score_min, score_max=call.score_max):
            raise ValidationError({"criteria": problems})
        _save_criteria(call, criteria)
        record(call, by, CallEventKind.RUBRIC_CHANGED, criteria=[c["name"] for c in criteria])
    return call


def call_set_cutoffs(*, call_id: int, by: User, cutoffs: list[dt.datetime], now=None) -> Call:
    """Replace the cut-offs. New ones must lie in the future and in order; once published, a cut-off that has
    passed (or has applications batched to it) stays."""
    require_call_manager(by)
    now = now or timezone.now()
    cutoffs = sorted(c for c in cutoffs if c)
    with transaction.atomic():
        call = lock_call(call_id)
        require_not_closed(call)
        before = list(call.cutoffs.order_by("at").values_list("at", flat=True))
        fixed = [at for at in before if at <= now] + list(
            call.cutoffs.filter(applications__isnull=False).values_list("at", flat=True)
        )
        cutoffs = sorted(set(cutoffs) | set(fixed))
        problems = cutoff_errors(cutoffs, now=now, keep=fixed)
        if call.status != CallStatus.DRAFT and not any(at > now for at in cutoffs):
            problems.append(_("A published call needs a cut-off in the future; close it instead."))
        if problems:
            raise ValidationError({"cutoffs": problems})
        _save_cutoffs(call, cutoffs)
        record(
            call,
            by,
            CallEventKind.CUTOFFS_CHANGED,
            before=[at.isoformat() for at in before],
            after=[at.isoformat() for at in cutoffs],
        )
    return call


def call_extend_cutoff(*, call_id: int, cutoff_id: int, new_at: dt.datetime, by: User, now=None) -> CallCutoff:
    """Move a coming cut-off later (not past the next one). Applications batched to it stay batched to it."""
    require_call_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        call = lock_call(call_id)
        require_not_closed(call)
        try:
            cutoff = CallCutoff.objects.select_for_update().get(pk=cutoff_id, call=call)
        except CallCutoff.DoesNotExist:
            raise ValidationError({"cutoff": [_("Choose one of this call's cut-offs.")]}) from None
        following = call.cutoffs.filter(at__gt=cutoff.at).order_by("at").first()
        if cutoff.at <= now:
            raise ValidationError({"cutoff": [_("This cut-off has passed; it can no longer move.")]})
        if new_at is None or new_at <= cutoff.at:
            raise ValidationError(
                {
                    "new_at": [
                        _("Give a date and time after the current cut-off (%(when)s).") % {"when": when_text(cutoff.at)}
                    ]
                }
            )
        if following is not None and new_at >= following.at:
            raise ValidationError(
                {
                    "new_at": [
                        _("Give a date and time before the next cut-off (%(when)s).")
                        % {"when": when_text(following.at)}
                    ]
                }
            )
        previous = cutoff.at
        cutoff.at = new_at
        cutoff.save(update_fields=["at"])
        record(
            call,
            by,
            CallEventKind.CUTOFF_EXTENDED,
            cutoff=cutoff.pk,
            before=previous.isoformat(),
            after=new_at.isoformat(),
        )
    return cutoff


def call_clone(*, source_id: int, by: User, title: str, slug: str = "", cutoffs: list = (), now=None) -> Call:
    """A new draft with the settings, Gigafactories, rubric, questions and document slots of ``source``; cut-offs
    are not copied (the earlier ones have passed) unless given."""
    require_call_manager(by)
    now = now or timezone.now()
    source = Call.objects.select_related("access_mode").get(pk=source_id)
    values = {name: getattr(source, name) for name in CALL_FIELDS if name not in ("title", "slug")}
    values["opens_at"] = max(source.opens_at, now).replace(second=0, microsecond=0)
    values.update(title=title, slug=slug or slugify(title)[:120])
    criteria = [
        {"name": c.name, "description": c.description, "weight": c.weight, "threshold": c.threshold}
        for c in source.criteria.all()
    ]
    with transaction.atomic():
        call = call_create(
            by=by,
            values=values,
            gigafactories=list(source.gigafactories.all()),
            cutoffs=cutoffs,
            criteria=criteria,
            now=now,
        )
        call.cloned_from = source
        call.save(update_fields=["cloned_from"])
        copy_form(source=source, target=call)
        record(call, by, CallEventKind.CLONED, source=source.slug)
    return call


def call_publish(*, call_id: int, by: User, now=None) -> Call:
    """Publish a draft: every rule is checked again and the form is frozen as version 1. A call is published once."""
    require_call_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        call = lock_call(call_id)
        if call.status != CallStatus.DRAFT:
            raise ValidationError(
                _("This call was already published (form version %(n)d); it cannot be published twice.")
                % {"n": call.form_version},
                code="published",
            )
        _raise(publish_problems(call, now=now))
        version = freeze_form(call=call, by=by, now=now)
        call.status = CallStatus.PUBLISHED
        call.form_version = version.number
        call.save(update_fields=["status", "form_version", "updated_at"])
        record(call, by, CallEventKind.PUBLISHED, version=version.number)
    return call


def call_close(*, call_id: int, by: User, now=None) -> Call:
    """Close a published call early: it takes no more submissions; submitted applications go on as before."""
    require_call_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        call = lock_call(call_id)
        if call.status != CallStatus.PUBLISHED:
            raise ValidationError(
                _("Only a published call can be closed; this one is %(status)s.")
                % {"status": call.get_status_display()},
                code="status",
            )
        call.status = CallStatus.CLOSED
        call.save(update_fields=["status", "updated_at"])
        record(call, by, CallEventKind.CLOSED, at=now.isoformat())
    return call
