"""The reviewer's pages (inbox, profile, assignment, review form) and the applicant's reading of the reviews."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from allocations.applications import selectors as application_selectors
from allocations.applications.answer_sheet import answer_sheet
from allocations.applications.workflow import Role, Status
from allocations.models import Application
from portal.forms import apply_service_errors
from reviews import selectors, services
from reviews.forms import (
    AmendForm,
    AssignmentAnswerForm,
    DeclaredConflictForm,
    ReplyForm,
    ReviewerProfileForm,
    ReviewForm,
)
from reviews.models import AssignmentStatus, ReviewStatus
from reviews.views._common import _download_url, _messages_of, _own_assignment, _require_reviewer

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
    team = (
        []
        if assignment.application.call.blind_review
        else selectors.team_for_conflict_check(application=assignment.application)
    )
    return render(
        request, "reviews/assignment.html", {"assignment": assignment, "form": form, "team": team}, status=status
    )


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
        if form.is_valid() and "submit" in request.POST and not form.cleaned_data["confirm_submit"]:
            form.add_error("confirm_submit", _("Tick this box to submit your review, or save it as a draft."))
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
