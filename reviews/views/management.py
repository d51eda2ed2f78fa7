"""The call manager's pages: boards, eligibility checks, assignment of reviewers, the panel and its decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from allocations.applications.answer_sheet import answer_sheet
from allocations.applications.workflow import Status
from allocations.models import Application, Call, CallCutoff
from portal.forms import apply_service_errors
from reviews import selectors, services
from reviews.forms import (
    AssignForm,
    BulkDecisionForm,
    DecisionForm,
    DueDateForm,
    EligibilityCheckForm,
    MatchingObjectiveForm,
    RankMoveForm,
)
from reviews.models import EligibilityCheck, ReviewAssignment
from reviews.scoring import SPREAD_FLAG
from reviews.views._common import _download_url, _messages_of, _require_call_manager

# --- Call manager ------------------------------------------------------------------------------------------------


def _managed_call(request, slug: str) -> Call:
    _require_call_manager(request)
    try:
        return selectors.call_for_management(slug=slug)
    except Call.DoesNotExist:
        raise Http404(_("No such call."))


def _managed_application(request, pk: int) -> Application:
    _require_call_manager(request)
    try:
        return selectors.application_for_manager(pk=pk)
    except Application.DoesNotExist:
        raise Http404(_("No such application."))


@login_required
def review_management(request):
    _require_call_manager(request)
    return render(request, "reviews/management.html", {"calls": selectors.calls_for_management()})


@login_required
def call_board(request, slug: str):
    call = _managed_call(request, slug)
    return render(request, "reviews/board.html", {"board": selectors.call_board(call=call), "call": call})


@login_required
def panel_application_reviews(request, pk: int):
    """The panel's view of one application: every submitted review with the reviewer, the scores and both
    comments, and the applicant's reply."""
    application = _managed_application(request, pk)
    context = {
        "application": application,
        "reviews": selectors.reviews_for_panel(application=application),
        "window": selectors.reply_window(application=application),
    }
    return render(request, "reviews/panel_reviews.html", context)


@login_required
def eligibility_check(request, pk: int):
    application = _managed_application(request, pk)
    existing = EligibilityCheck.objects.filter(application=application).select_related("checked_by").first()
    form = EligibilityCheckForm(request.POST or None, computed=selectors.computed_eligibility(application=application))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            check = services.eligibility_check_record(
                application_id=application.pk, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(ref)s: %(outcome)s.") % {"ref": application, "outcome": check.get_outcome_display()},
            )
            return redirect("call_board", slug=application.call.slug)
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "reviews/check.html",
        {
            "application": application,
            "form": form,
            "existing": existing,
            "blind": False,  # call managers see who applies
            **answer_sheet(application=application, url_for=_download_url),
        },
        status=status,
    )


@login_required
def assign_reviewer(request, pk: int):
    application = _managed_application(request, pk)
    candidates = selectors.assignable_reviewers(application=application)
    form = AssignForm(request.POST or None, reviewers=[u for u, reason, _l, _m in candidates if reason is None])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.assignment_by_hand(
                    application=application,
                    reviewer_id=form.cleaned_data["reviewer"],
                    due_on=form.cleaned_data["due_on"],
                    by=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The reviewer was assigned."))
                return redirect("call_board", slug=application.call.slug)
        status = 400
    return render(
        request,
        "reviews/assign.html",
        {
            "application": application,
            "form": form,
            "candidates": candidates,
            "assignments": ReviewAssignment.objects.filter(application=application).select_related("reviewer"),
        },
        status=status,
    )


@login_required
def assignment_suggestion(request, slug: str):
    """The optimal suggestion with affinities and reasons; the call manager switches the call's objective, asks
    for the text affinities, or accepts the suggestion in bulk."""
    call = _managed_call(request, slug)
    action = request.POST.get("action", "accept") if request.method == "POST" else None
    objective_form = MatchingObjectiveForm(
        request.POST if action == "objective" else None, initial={"objective": selectors.matching_objective(call=call)}
    )
    form = DueDateForm(request.POST if action == "accept" else None)
    try:
        if action == "affinities":
            services.affinities_request(call=call, by=request.user)
            messages.info(request, _("The affinities are being computed; reload this page in a moment."))
            return redirect("assignment_suggestion", slug=call.slug)
        if action == "objective" and objective_form.is_valid():
            services.matching_objective_set(
                call=call, objective=objective_form.cleaned_data["objective"], by=request.user
            )
            messages.success(request, _("The call's matching objective was saved."))
            return redirect("assignment_suggestion", slug=call.slug)
        if action == "accept" and form.is_valid():
            created = services.suggestion_accept(call=call, by=request.user, due_on=form.cleaned_data["due_on"])
            messages.success(request, _("%(n)d reviewers were assigned.") % {"n": len(created)})
            return redirect("call_board", slug=call.slug)
    except ValidationError as exc:
        apply_service_errors(objective_form if action == "objective" else form, exc)
    return render(
        request,
        "reviews/suggestion.html",
        {
            "call": call,
            "report": selectors.suggestion_report(call=call),
            "form": form,
            "objective_form": objective_form,
        },
        status=400 if action else 200,
    )


def _panel_cutoff(request, call: Call) -> CallCutoff | None:
    cutoff_id = request.GET.get("cutoff") or request.POST.get("cutoff")
    if not cutoff_id:
        return None
    try:
        return next(c for c in call.cutoffs.all() if c.pk == int(cutoff_id))
    except (StopIteration, ValueError):
        raise Http404(_("No such cut-off."))


def _panel_url(call: Call, cutoff: CallCutoff | None) -> str:
    url = reverse("panel", kwargs={"slug": call.slug})
    return f"{url}?cutoff={cutoff.pk}" if cutoff is not None else url


def _panel_page(request, call: Call, *, bulk_form=None, status: int = 200):
    cutoff = _panel_cutoff(request, call)
    panel = selectors.panel(call=call, cutoff=cutoff)
    undecided = [row.application for row in panel.rows if row.application.status == Status.PANEL]
    return render(
        request,
        "reviews/panel.html",
        {
            "call": call,
            "panel": panel,
            "cutoff": cutoff,
            "bulk_form": bulk_form or BulkDecisionForm(applications=undecided),
            "move_form": RankMoveForm(),
            "decision_form": DecisionForm(),
            "spread_flag": SPREAD_FLAG,
            "requested_total": sum(row.application.requested_gpu_hours or 0 for row in panel.rows),
            "minimum_total": sum(row.application.minimum_gpu_hours or 0 for row in panel.rows),
        },
        status=status,
    )


@login_required
def panel_page(request, slug: str):
    call = _managed_call(request, slug)
    return _panel_page(request, call)


def decisions_recorded_message(count: int) -> str:
    """The confirmation after a bulk decision, in the right plural form for the language."""
    return ngettext("%(n)d decision was recorded.", "%(n)d decisions were recorded.", count) % {"n": count}


@login_required
@require_POST
def panel_decide_bulk(request, slug: str):
    call = _managed_call(request, slug)
    panel = selectors.panel(call=call, cutoff=_panel_cutoff(request, call))
    undecided = [row.application for row in panel.rows if row.application.status == Status.PANEL]
    form = BulkDecisionForm(request.POST, applications=undecided)
    if form.is_valid():
        try:
            decided = services.applications_decide(
                application_ids=form.cleaned_data["applications"],
                decision=form.cleaned_data["decision"],
                justification=form.cleaned_data["justification"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, decisions_recorded_message(len(decided)))
            return redirect(_panel_url(call, _panel_cutoff(request, call)))
    return _panel_page(request, call, bulk_form=form, status=400)


@login_required
@require_POST
def panel_decide(request, pk: int):
    application = _managed_application(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.application_decide(
                application_id=application.pk,
                decision=form.cleaned_data["decision"],
                justification=form.cleaned_data["justification"],
                by=request.user,
            )
        except services.DecisionConflict as exc:
            messages.warning(request, _messages_of(exc))
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("The decision on %(ref)s was recorded.") % {"ref": application})
    else:
        messages.error(request, _("Choose a decision and write a justification."))
    return redirect("panel", slug=application.call.slug)


@login_required
@require_POST
def panel_move(request, pk: int):
    application = _managed_application(request, pk)
    form = RankMoveForm(request.POST)
    if form.is_valid():
        try:
            services.rank_move(application_id=application.pk, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("%(ref)s was moved.") % {"ref": application})
    else:
        messages.error(request, _("Give a position and a justification to move an application."))
    return redirect("panel", slug=application.call.slug)
