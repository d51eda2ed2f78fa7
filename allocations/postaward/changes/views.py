"""Change-request pages. Thin: parse, call a service or selector, render.

Applicants: a grant's PI asks for a change from the grant page (other members of the organisation 403, everyone
else 404); the members read the request, the other party consents or declines. Staff (under /staff/, MFA enforced
by the middleware): allocation admins list, filter and decide; other platform staff 403; everybody else 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from allocations.capacity import selectors as capacity_selectors
from allocations.models.capacity import Grant
from allocations.models.changes import ChangeAction, ChangeKind, ChangeRequest, ChangeStatus
from allocations.postaward.changes import selectors, services
from allocations.postaward.changes.forms import FORMS, ActionForm, ChangeRequestFilter, TransferForm
from allocations.postaward.changes.rules import RUNNING
from portal.forms import apply_service_errors
from portal.units import gpu_seconds

PAGE_SIZE = 50
APPLICANT_ACTIONS = frozenset({ChangeAction.CONSENT, ChangeAction.DECLINE, ChangeAction.WITHDRAW})


def _grant(request, pk: int) -> Grant:
    try:
        return capacity_selectors.grant_for_member(user=request.user, pk=pk)
    except Grant.DoesNotExist:
        raise Http404 from None


def _service_fields(kind: str, data: dict) -> dict:
    fields = {"justification": data["justification"]}
    if kind == ChangeKind.EXTENSION:
        fields["new_ends_on"] = data["new_ends_on"]
    if "hours" in data:
        fields["amount_seconds"] = gpu_seconds(data["hours"])
    if data.get("target_grant"):
        fields["target_grant_id"] = data["target_grant"].pk
    if "person_email" in data:
        fields["person_email"] = data["person_email"]
    if "team_operation" in data:
        fields["team_operation"] = data["team_operation"]
    return fields


@login_required
@require_http_methods(["GET", "POST"])
def change_request_new(request, pk: int, change_kind: str):
    """The grant's PI asks for a change of ``change_kind``."""
    grant, kind = _grant(request, pk), change_kind
    if kind not in ChangeKind.values:
        raise Http404
    if grant.application.pi_id != request.user.pk:
        raise PermissionDenied(_("Only the grant's PI can ask for changes."))
    form_class = FORMS[ChangeKind(kind)]
    extra = (
        {"targets": selectors.transfer_targets(grant=grant, user=request.user)} if form_class is TransferForm else {}
    )
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_request_create(
                grant_id=grant.pk, kind=kind, by=request.user, **_service_fields(kind, form.cleaned_data)
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if change.status == ChangeStatus.AWAITING_CONSENT:
                messages.success(request, _("Request sent. It waits for the other party's consent."))
            else:
                messages.success(request, _("Request sent to the allocation admins."))
            return redirect("change_request_detail", pk=change.pk)
    context = {"grant": grant, "form": form, "kind": ChangeKind(kind)}
    return render(request, "allocations/postaward/changes/new.html", context, status=400 if form.errors else 200)


def _request_for_user(request, pk: int) -> ChangeRequest:
    try:
        return selectors.request_for_user(user=request.user, pk=pk)
    except ChangeRequest.DoesNotExist:
        raise Http404 from None


def _act(request, change: ChangeRequest, allowed: frozenset, redirect_to: str):
    actions = [a for a in selectors.available_actions(user=request.user, request=change) if a in allowed]
    form = ActionForm(request.POST, actions=actions)
    if not form.is_valid():
        if not actions:
            raise PermissionDenied(_("You may not act on this request now."))
        messages.error(request, _("Choose one of the offered actions."))
        return redirect(redirect_to, pk=change.pk)
    try:
        change, refused = services.change_transition(
            request_id=change.pk,
            action=form.cleaned_data["action"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(redirect_to, pk=change.pk)
    if refused:
        messages.warning(
            request, _("The change could not be applied, so the request was refused: %(reason)s") % {"reason": refused}
        )
    else:
        messages.success(request, _("Done: the request is now %(status)s.") % {"status": change.get_status_display()})
    return redirect(redirect_to, pk=change.pk)


@login_required
def change_request_detail(request, pk: int):
    """A request as the applicant's organisation sees it: status, the decision's reason, the steps so far."""
    change = _request_for_user(request, pk)
    actions = [a for a in selectors.available_actions(user=request.user, request=change) if a in APPLICANT_ACTIONS]
    context = {
        "change": change,
        "events": selectors.request_events(request=change),
        "form": ActionForm(actions=actions) if actions else None,
        "actions": actions,
    }
    return render(request, "allocations/postaward/changes/detail.html", context)


@login_required
@require_POST
def change_request_act(request, pk: int):
    change = _request_for_user(request, pk)
    return _act(request, change, APPLICANT_ACTIONS, "change_request_detail")


# --- staff ----------------------------------------------------------------------------------------------------------


def _require_admin(request) -> None:
    access = capacity_selectors.admin_access(request.user)
    if access == "staff":
        raise PermissionDenied(_("Only allocation admins can open this page."))
    if not access:
        raise Http404


@login_required
def staff_change_request_list(request):
    _require_admin(request)
    filters = ChangeRequestFilter(request.GET, queryset=selectors.requests_for_staff(user=request.user))
    valid = filters.is_valid()
    page = Paginator(filters.qs if valid else filters.queryset.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "form": filters.form, "page": page, "query": query.urlencode()}
    return render(request, "allocations/postaward/changes/staff_list.html", context, status=200 if valid else 400)


@login_required
@require_http_methods(["GET", "POST"])
def staff_change_request_detail(request, pk: int):
    _require_admin(request)
    try:
        change = selectors.requests_for_staff(user=request.user).get(pk=pk)
    except ChangeRequest.DoesNotExist:
        raise Http404 from None
    staff_actions = frozenset({ChangeAction.APPROVE, ChangeAction.REFUSE})
    if request.method == "POST":
        return _act(request, change, staff_actions, "staff_change_request_detail")
    actions = [a for a in selectors.available_actions(user=request.user, request=change) if a in staff_actions]
    context = {
        "change": change,
        "events": selectors.request_events(request=change),
        "form": ActionForm(actions=actions) if actions else None,
        "actions": actions,
        "pool_left": capacity_selectors.pool_balance(change.grant.pool.account),
        "grant_left": capacity_selectors.pool_balance(change.grant.account),
        "staff": True,
    }
    return render(request, "allocations/postaward/changes/detail.html", context)


def grant_change_context(*, grant: Grant, user) -> dict:
    """For the grant page: its requests and, for its PI on a running grant, the kinds they may ask for."""
    can_ask = grant.application.pi_id == user.pk and grant.status in RUNNING
    return {"change_requests": selectors.requests_of_grant(grant=grant), "change_kinds": ChangeKind if can_ask else []}
