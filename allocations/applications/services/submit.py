"""Submission: every reason to refuse at once, a gap-free reference, the event and the confirmation email."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from allocations.applications import selectors
from allocations.applications.limits import resource_limit_errors
from allocations.applications.obligations import overdue_report_problems
from allocations.applications.services._common import _lock, brussels_time
from allocations.applications.services.transitions import _apply, application_transition, check_transition
from allocations.applications.workflow import COUNTS_AGAINST_LIMIT, Action
from allocations.models import Application, CallCutoff, ReferenceCounter, Section
from portal.emails import queue_templated_email
from portal.links import absolute_url


def _submission_problems(application: Application, *, now, by: User) -> dict[str, list[str]]:
    call = application.call
    problems: dict[str, list[str]] = defaultdict(list)
    # An overdue final report bars its PI, whether they submit or are named PI of the new application.
    for message in overdue_report_problems(users=[application.pi, by], today=timezone.localdate(now)):
        problems["__all__"].append(message)
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
            "cutoff": application.cutoff.at,
            "url": absolute_url("application_detail", pk=application.pk),
        },
    )


def _database_clock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def application_submit(*, application_id: int, by: User, declaration: bool, now=None) -> Application:
    """Submit a draft. Refused with every reason at once (``ValidationError``): incomplete sections, a request
    outside the call's bounds, a minimum above the request, an ineligible organisation, a passed cut-off, the
    organisation's limit for the call, or an overdue final report of the submitter or the application's PI. On
    success: read-only, a gap-free reference, an event and an email after commit. Concurrent submits of one
    application serialise on its row lock: one wins, the others are refused.
    """
    if not declaration:
        raise ValidationError({"declaration": _("Confirm the declaration to submit the application.")})
    with transaction.atomic():
        application = _lock(application_id)
        # The database's clock, read once the row is ours: a request that started before the cut-off but
        # waited for the lock past it is refused, and every web host judges by the same clock.
        now = now or _database_clock()
        check_transition(application=application, action=Action.SUBMIT, by=by)
        problems = _submission_problems(application, now=now, by=by)
        if problems:
            raise ValidationError(dict(problems))
        application.cutoff = CallCutoff.objects.filter(call=application.call, at__gt=now).order_by("at").first()
        application.submitted_at = now
        application.reference = _next_reference(now)
        application.save(update_fields=["cutoff", "submitted_at", "reference"])
        _apply([application], action=Action.SUBMIT, by=by, comment="", now=now)
        _queue_submitted_email(application, by=by)
    return application


def application_withdraw(*, application_id: int, by: User, comment: str = "", now=None) -> Application:
    """The PI or an owner withdraws the application (possible until the decision)."""
    return application_transition(
        application_id=application_id, action=Action.WITHDRAW, by=by, comment=comment, now=now
    )
