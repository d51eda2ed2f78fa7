"""The one applier of the workflow table (``allocations.applications.workflow.TRANSITIONS``): one application
under its row lock, or many at once (an allocation run's commit), each change with an append-only event row."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications import selectors
from allocations.applications.services._common import TransitionRefused, _lock
from allocations.applications.workflow import Action, Role, Status, Transition, transition_for
from allocations.models import Application, ApplicationEvent
from portal.text import inline_label

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
                created_at=now,
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
