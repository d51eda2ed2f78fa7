"""Final report pages: the PI's form (/final-reports/<id>/, read-only for the other members of the organisation and
once submitted) and the staff list and detail (/staff/final-reports/, call managers and allocation admins, MFA).
Thin: parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from allocations.models.reports import FinalReport
from allocations.postaward.reports import selectors, services
from allocations.postaward.reports.forms import (
    OutputFormSet,
    PublicationFormSet,
    ReportForm,
    StaffFilterForm,
)
from allocations.postaward.reports.services import OUTPUT_FIELDS, PUBLICATION_FIELDS

STAFF_PAGE_SIZE = 25


def _forms(report: FinalReport, data=None):
    form = ReportForm(
        data,
        initial={
            "achievements": report.achievements,
            "hours_usage": report.hours_usage,
            "acknowledgement_confirmed": report.acknowledgement_confirmed,
        },
    )
    publications = PublicationFormSet(
        data,
        prefix="publications",
        initial=[{name: getattr(p, name) for name in PUBLICATION_FIELDS} for p in report.publications.all()],
    )
    outputs = OutputFormSet(
        data,
        prefix="outputs",
        initial=[{name: getattr(o, name) for name in OUTPUT_FIELDS} for o in report.outputs.all()],
    )
    return form, publications, outputs


def _route_errors(exc: ValidationError, form, formsets: dict) -> None:
    """A service's errors onto the forms: ``<list>.<index>.<field>`` on the index-th filled row of that list."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.message_dict.items():
        name, _dot, rest = key.partition(".")
        if name in formsets and rest:
            index, _dot, field = rest.partition(".")
            rows = formsets[name].filled()
            if index.isdigit() and int(index) < len(rows) and field in rows[int(index)].fields:
                for error in errors:
                    rows[int(index)].add_error(field, error)
                continue
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _error_count(form, formsets: dict) -> int:
    return len(form.errors) + sum(len(f.errors) for formset in formsets.values() for f in formset.forms)


@login_required
@require_http_methods(["GET", "POST"])
def final_report(request, pk: int):
    try:
        report = selectors.report_for_member(user=request.user, pk=pk)
    except FinalReport.DoesNotExist:
        raise Http404(_("No such final report.")) from None
    can_edit = report.is_draft and report.award.application.pi_id == request.user.pk
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_("Only the principal investigator of the project writes its final report."))
    form, publications, outputs = _forms(report, request.POST or None)
    formsets = {"publications": publications, "outputs": outputs}
    status = 200
    if request.method == "POST":
        valid = form.is_valid() & publications.is_valid() & outputs.is_valid()
        if valid and _save(request, report, form, formsets):
            return redirect("final_report", pk=report.pk)
        status = 400
    context = {
        "report": report,
        "application": report.award.application,
        "can_edit": can_edit,
        "form": form,
        "publication_forms": publications,
        "output_forms": outputs,
        "error_count": _error_count(form, formsets) if status == 400 else 0,
        "overdue": report.is_draft and report.due_on < timezone.localdate(),
    }
    return render(request, "allocations/reports/form.html", context, status=status)


def _save(request, report: FinalReport, form, formsets) -> bool:
    """Save the draft, then submit it when asked; False (errors on the forms) when refused."""
    try:
        services.final_report_save(
            report_id=report.pk,
            by=request.user,
            achievements=form.cleaned_data["achievements"],
            hours_usage=form.cleaned_data["hours_usage"],
            acknowledgement_confirmed=form.cleaned_data["acknowledgement_confirmed"],
            publications=[f.cleaned_data for f in formsets["publications"].filled()],
            outputs=[f.cleaned_data for f in formsets["outputs"].filled()],
        )
        if "submit" in request.POST:
            services.final_report_submit(report_id=report.pk, by=request.user)
    except ValidationError as exc:
        _route_errors(exc, form, formsets)
        return False
    if "submit" in request.POST:
        messages.success(request, _("Your final report was submitted. Thank you."))
    else:
        messages.success(request, _("Draft saved."))
    return True


# --- staff --------------------------------------------------------------------------------------------------------


def _require_staff(request) -> None:
    access = selectors.staff_access(request.user)
    if access == "forbidden":
        raise PermissionDenied(_("Only call managers and allocation admins can open this page."))
    if not access:
        raise Http404


@login_required
def staff_final_reports(request):
    """Every final report, filtered by status (overdue, not yet due, submitted), search and Gigafactory."""
    _require_staff(request)
    form = StaffFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "allocations/reports/staff_list.html", {"form": form, "page_obj": None}, status=400)
    today = timezone.localdate()
    reports = selectors.reports_for_staff(
        today=today,
        state=form.cleaned_data["state"],
        search=form.cleaned_data["q"].strip(),
        gigafactory=form.cleaned_data["gigafactory"],
    )
    page_obj = Paginator(reports, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page_obj": page_obj, "today": today, "query": query.urlencode()}
    return render(request, "allocations/reports/staff_list.html", context)


@login_required
def staff_final_report(request, pk: int):
    _require_staff(request)
    try:
        report = selectors.report_for_reader(user=request.user, pk=pk)
    except FinalReport.DoesNotExist:
        raise Http404(_("No such final report.")) from None
    context = {"report": report, "application": report.award.application, "today": timezone.localdate()}
    return render(request, "allocations/reports/staff_detail.html", context)
