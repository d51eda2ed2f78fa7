"""The reviewer's declarations for the conflict checks: affiliations with dates and relationships with people.
Only the reviewer sees and edits their own (call managers see the resulting conflicts on the suggestion)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.forms import apply_service_errors
from reviews import selectors, services
from reviews.forms import AffiliationForm, RelationshipForm


@login_required
def reviewer_ties(request):
    if not selectors.is_reviewer(request.user):
        raise PermissionDenied(_("Only reviewers can open this page."))
    action = request.POST.get("action") if request.method == "POST" else None
    affiliation_form = AffiliationForm(request.POST if action == "affiliation" else None)
    relationship_form = RelationshipForm(request.POST if action == "relationship" else None)
    try:
        if action == "affiliation" and affiliation_form.is_valid():
            services.affiliation_add(by=request.user, **affiliation_form.cleaned_data)
            messages.success(request, _("Your affiliation was recorded."))
            return redirect("reviewer_ties")
        if action == "relationship" and relationship_form.is_valid():
            data = relationship_form.cleaned_data
            services.relationship_declare(by=request.user, person_email=data["email"], kind=data["kind"])
            messages.success(request, _("Your relationship was recorded."))
            return redirect("reviewer_ties")
    except ValidationError as exc:
        apply_service_errors(affiliation_form if action == "affiliation" else relationship_form, exc)
    return render(
        request,
        "reviews/ties.html",
        {
            "affiliation_form": affiliation_form,
            "relationship_form": relationship_form,
            **selectors.reviewer_declarations(user=request.user),
        },
        status=400 if action else 200,
    )
