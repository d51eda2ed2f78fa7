"""The public call pages: the list of open and upcoming calls, a call, and starting a draft from it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import OrganisationType
from allocations.applications import selectors, services
from allocations.applications.forms import ApplyForm, CallFilterForm
from allocations.models import Call, Section


def _error_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for errors in error.error_dict.values() for e in errors for m in e.messages]
    return [str(m) for m in error.messages]


def call_list(request):
    form = CallFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    calls = selectors.calls_open_and_upcoming(
        access_mode=filters.get("mode") or None, gigafactory=filters.get("gigafactory") or None
    )
    return render(request, "allocations/call_list.html", {"form": form, "calls": calls, "now": timezone.now()})


def call_detail(request, slug: str):
    try:
        call = selectors.call_public(slug=slug, user=request.user)
    except Call.DoesNotExist:
        raise Http404(_("No such call."))
    organisations = selectors.organisations_for_applying(user=request.user) if request.user.is_authenticated else None
    return render(
        request,
        "allocations/call_detail.html",
        {
            "call": call,
            "is_open": selectors.call_is_open(call=call),
            "eligible_types": [OrganisationType(t).label for t in call.eligible_organisation_types],
            "apply_form": ApplyForm(organisations=organisations) if organisations else None,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def call_apply(request, slug: str):
    try:
        call = selectors.call_public(slug=slug, user=request.user)
    except Call.DoesNotExist:
        raise Http404(_("No such call."))
    form = ApplyForm(request.POST, organisations=selectors.organisations_for_applying(user=request.user))
    if not form.is_valid():
        messages.error(request, _("Choose one of your organisations, or register one first."))
        return redirect("call_detail", slug=slug)
    try:
        application = services.application_create(
            call=call, organisation=form.cleaned_data["organisation"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(_error_messages(exc)))
        return redirect("call_detail", slug=slug)
    messages.success(request, _("Your draft was created. It is saved as you go; you can leave and come back."))
    return redirect("application_section", pk=application.pk, section=Section.PROJECT)
