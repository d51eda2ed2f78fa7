"""Your personal data: the page that explains it, the download and the erasure. Thin: parse, call, render."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.forms import apply_service_errors
from privacy import services
from privacy.export import export_build, export_filename
from privacy.forms import ErasureForm
from privacy.registry import EXCLUDED
from privacy.sections import SECTIONS


def _page(request, form: ErasureForm, status: int = 200):
    context = {
        "form": form,
        "refusals": services.erasure_refusals(user=request.user),
        "sections": SECTIONS,
        "excluded": EXCLUDED,
    }
    return render(request, "privacy/data_rights.html", context, status=status)


@login_required
def data_rights(request):
    return _page(request, ErasureForm())


@login_required
@require_POST
def data_export(request):
    now = timezone.now()
    response = HttpResponse(export_build(user=request.user, now=now), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(now)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_erase(request):
    form = ErasureForm(request.POST)
    if form.is_valid():
        try:
            erasure = services.account_erase(
                user=request.user,
                by=request.user,
                password=form.cleaned_data["password"],
                confirmation=form.cleaned_data["confirmation"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            logout(request)
            return render(request, "privacy/erased.html", {"erasure": erasure})
    return _page(request, form, status=400)
