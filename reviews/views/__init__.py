"""Reviewer, call manager and applicant pages of the review stage. Thin: parse, call a selector or service, render.

Reviewer and call manager pages live under /staff/reviews/ (MFA enforced by the staff middleware). A user
without the role gets 403; a reviewer opening someone else's assignment gets 404; applicant pages answer 404 to
anyone outside the applying organisation.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from allocations.applications import selectors as application_selectors
from allocations.applications.answer_sheet import answer_sheet
from allocations.applications.workflow import Role, Status
from allocations.models import Application, Call, CallCutoff
from portal.forms import apply_service_errors
from reviews import selectors, services
from reviews.forms import (
    AmendForm,
    AssignForm,
    AssignmentAnswerForm,
    BulkDecisionForm,
    DecisionForm,
    DeclaredConflictForm,
    DueDateForm,
    EligibilityCheckForm,
    MatchingObjectiveForm,
    RankMoveForm,
    ReplyForm,
    ReviewerProfileForm,
    ReviewForm,
)
from reviews.models import AssignmentStatus, EligibilityCheck, ReviewAssignment, ReviewStatus
from reviews.scoring import SPREAD_FLAG


def _messages_of(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for errors in error.error_dict.values() for e in errors for m in e.messages)
    return " ".join(str(m) for m in error.messages)


def _require_reviewer(request) -> None:
    if not selectors.is_reviewer(request.user):
        raise PermissionDenied(_("Only reviewers can open this page."))


def _require_call_manager(request) -> None:
    if not selectors.is_call_manager(request.user):
        raise PermissionDenied(_("Only call managers can open this page."))


def _own_assignment(request, pk: int) -> ReviewAssignment:
    _require_reviewer(request)
    try:
        return selectors.assignment_for_reviewer(user=request.user, pk=pk)
    except ReviewAssignment.DoesNotExist:
        raise Http404(_("No such assignment."))


# --- Reviewer ----------------------------------------------------------------------------------------------------


@login_required
def review_inbox(request):
    _require_reviewer(request)
    return render(
        request,
        "reviews/inbox.html",
        {
            "assignments": selectors.reviewer_inbox(user=request.user),
            "profile": selectors.reviewer_profile(user=request.user),
        },
    )


@login_required
def reviewer_profile(request):
    _require_reviewer(request)
    profile = selectors.reviewer_profile(user=request.user)
    initial = {"max_load_per_call": 5, "is_available": True}
    if profile is not None:
        initial = {
            "expertise": profile.expertise,
            "keywords": ", ".join(profile.keywords),
            "organisation": profile.organisation,
            "max_load_per_call": profile.max_load_per_call,
            "is_available": profile.is_available,
            "research_interests": profile.research_interests,
        }
    initial["publications"] = "\n".join(
        f"{p.title} | {p.doi}" if p.doi else p.title
        for p in selectors.reviewer_declarations(user=request.user)["publications"]
    )
    form = ReviewerProfileForm(initial=initial)
    conflict_form = DeclaredConflictForm()
    status = 200
    if request.method == "POST":
        if "declare" in request.POST:
            conflict_form = DeclaredConflictForm(request.POST)
            if conflict_form.is_valid():
                services.conflict_declare_organisation(
                    organisation=conflict_form.cleaned_data["organisation"],
                    reason=conflict_form.cleaned_data["reason"],
                    by=request.user,
                )
                messages.success(request, _("Your conflict of interest was recorded."))
                return redirect("reviewer_profile")
            status = 400
        else:
            form = ReviewerProfileForm(request.POST)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        services.reviewer_profile_save(user=request.user, by=request.user, **form.values())
                        services.publications_replace(
                            user=request.user, by=request.user, entries=form.publication_entries()
                        )
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    messages.success(request, _("Your reviewer profile was saved."))
                    return redirect("reviewer_profile")
            status = 400
    return render(
        request,
        "reviews/profile.html",
        {"form": form, "conflict_form": conflict_form, "conflicts": selectors.declared_conflicts(user=request.user)},
        status=status,
    )


@login_required
def review_assignment(request, pk: int):
    """Before the full application: the reviewer declares no conflict (and accepts), a conflict, or declines."""
    assignment = _own_assignment(request, pk)
    if assignment.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED):
        return redirect("review_form", pk=assignment.pk)
    form = AssignmentAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                services.assignment_accept(
                    assignment_id=assignment.pk, by=request.user, no_conflict=form.cleaned_data["no_conflict"]
                )
                messages.success(request, _("Thank you. You can now read the application and write your review."))
                return redirect("review_form", pk=assignment.pk)
            if answer == "conflict":
                services.assignment_declare_conflict(
                    assignment_id=assignment.pk, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.info(
                    request, _("Your conflict of interest was recorded; the application goes to another reviewer.")
                )
                return redirect("review_inbox")
            if answer == "decline":
                services.assignment_decline(
                    assignment_id=assignment.pk, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.info(request, _("You declined the assignment."))
                return redirect("review_inbox")
            form.add_error(None, _("Choose an answer."))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        status = 400
    return render(request, "reviews/assignment.html", {"assignment": assignment, "form": form}, status=status)


def _download_url(attachment) -> str:
    return reverse("attachment_download", args=[attachment.application_id, attachment.pk])


@login_required
def review_form(request, pk: int):
    """The application read-only beside the rubric; save as draft or submit."""
    assignment = _own_assignment(request, pk)
    try:
        application = selectors.application_for_reviewer(user=request.user, assignment=assignment)
    except Application.DoesNotExist:
        return redirect("review_assignment", pk=assignment.pk)
    criteria = selectors.criteria_of(application.call)
    review = selectors.current_review(assignment=assignment)
    locked = review is not None and review.status == ReviewStatus.SUBMITTED

    def make_form(data=None):
        return ReviewForm(
            data,
            initial=ReviewForm.initial_from(review),
            criteria=criteria,
            score_min=application.call.score_min,
            score_max=application.call.score_max,
        )

    form = make_form()
    status = 200
    if request.method == "POST" and not locked:
        form = make_form(request.POST)
        if form.is_valid():
            try:
                review = services.review_save(
                    assignment_id=assignment.pk,
                    by=request.user,
                    scores=form.scores(),
                    comment_for_applicant=form.cleaned_data["comment_for_applicant"],
                    comment_for_panel=form.cleaned_data["comment_for_panel"],
                )
                if "submit" in request.POST:
                    services.review_submit(review_id=review.pk, by=request.user)
                    messages.success(request, _("Your review was submitted. Thank you."))
                else:
                    messages.success(request, _("Your draft was saved."))
                return redirect("review_form", pk=assignment.pk)
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "scores" in exc.error_dict:
                    for e in exc.error_dict.pop("scores"):
                        form.add_error(None, e)
                apply_service_errors(form, exc)
        status = 400
    elif request.method == "POST":
        status = 400
        messages.error(request, _("This review was submitted and is locked. Start an amendment to change it."))
    return render(
        request,
        "reviews/review_form.html",
        {
            "assignment": assignment,
            "application": application,
            "criteria": criteria,
            "form": form,
            "review": review,
            "locked": locked,
            "amend_form": AmendForm(),
            "versions": selectors.review_versions(assignment=assignment),
            "blind": application.call.blind_review,
            **answer_sheet(application=application, url_for=_download_url),
        },
        status=status,
    )


@login_required
@require_POST
def review_amend(request, pk: int):
    assignment = _own_assignment(request, pk)
    review = selectors.current_review(assignment=assignment)
    form = AmendForm(request.POST)
    if review is None or not form.is_valid():
        messages.error(request, _("Give the reason for the amendment."))
        return redirect("review_form", pk=assignment.pk)
    try:
        services.review_amend(review_id=review.pk, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("A new version was started; the submitted one is kept."))
    return redirect("review_form", pk=assignment.pk)


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
def eligibility_check(request, pk: int):
    application = _managed_application(request, pk)
    existing = EligibilityCheck.objects.filter(application=application).select_related("checked_by").first()
    form = EligibilityCheckForm(request.POST or None)
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
            messages.success(request, _("%(n)d decisions were recorded.") % {"n": len(decided)})
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


# --- Applicant ---------------------------------------------------------------------------------------------------


@login_required
def application_reviews(request, pk: int):
    """The applicant reads the anonymised reviews and, during the right to reply, the PI sends one reply."""
    try:
        application = application_selectors.application_for_member(user=request.user, pk=pk)
    except Application.DoesNotExist:
        raise Http404(_("No such application."))
    roles = application_selectors.roles_of(user=request.user, application=application)
    window = selectors.reply_window(application=application)
    can_reply = (
        Role.PI in roles and application.status == Status.RIGHT_TO_REPLY and window is not None and not window.has_reply
    )
    form = ReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reply_submit(application_id=application.pk, by=request.user, text=form.cleaned_data["text"])
            except PermissionDenied as exc:
                raise PermissionDenied(str(exc))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Your reply was sent. The application now goes to the panel."))
                return redirect("application_reviews", pk=application.pk)
        status = 400
    return render(
        request,
        "reviews/applicant_reviews.html",
        {
            "application": application,
            "reviews": selectors.reviews_for_applicant(application=application),
            "window": window,
            "can_reply": can_reply,
            "form": form,
            "decision": getattr(application, "panel_decision", None)
            if application.status in (Status.APPROVED, Status.WAITLISTED, Status.REJECTED)
            else None,
        },
        status=status,
    )
