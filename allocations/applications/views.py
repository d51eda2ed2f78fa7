"""Public call pages and the applicant's pages. Thin: parse, call a selector or service, render.

Applications are visible to members of the owning organisation only; everyone else gets 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from allocations.applications import access_log, obligations, selectors, services
from allocations.applications.answer_sheet import answer_sheet
from allocations.applications.forms import (
    SECTION_FORMS,
    AttachmentForm,
    SectionForm,
    SubmitForm,
    WithdrawForm,
)
from allocations.applications.team_views import one_more_row, team_context, team_formset
from allocations.applications.workflow import Action, actions_for
from allocations.models import Application, Attachment, ReaderRole, Section
from portal.forms import apply_service_errors


def _error_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for errors in error.error_dict.values() for e in errors for m in e.messages]
    return [str(m) for m in error.messages]


def _member_application(request, pk: int) -> Application:
    try:
        return selectors.application_for_member(user=request.user, pk=pk)
    except Application.DoesNotExist:
        raise Http404(_("No such application."))


# --- Applicant pages ---------------------------------------------------------------------------------------------


@login_required
def application_dashboard(request):
    return render(
        request,
        "allocations/dashboard.html",
        {"dashboard": selectors.applicant_dashboard(user=request.user), "now": timezone.now()},
    )


@login_required
def application_detail(request, pk: int):
    application = _member_application(request, pk)
    roles = selectors.roles_of(user=request.user, application=application)
    return render(
        request,
        "allocations/application_detail.html",
        {
            "application": application,
            "sections": selectors.section_states(application),
            "events": selectors.application_events(application=application),
            "members": selectors.application_members(application=application),
            "attachments": selectors.application_attachments(application=application),
            "download_counts": access_log.attachment_download_counts(application=application),
            "can_withdraw": Action.WITHDRAW in actions_for(application.status, roles),
            "can_edit": application.is_editable,
        },
    )


def _step_context(application: Application, section: str) -> dict:
    steps = selectors.form_steps(application)
    index = steps.index(Section(section))
    return {
        "application": application,
        "section": Section(section),
        "steps": steps,
        "states": {s.key: s for s in selectors.section_states(application)},
        "next_section": steps[index + 1] if index + 1 < len(steps) else None,
        "previous_section": steps[index - 1] if index > 0 else None,
    }


def _section_form(application: Application, section: str, data):
    return SECTION_FORMS[section](data, application=application)


@login_required
def application_print(request, pk: int):
    """The whole application read-only, laid out for printing (or saving as PDF from the browser)."""
    application = _member_application(request, pk)
    context = {"application": application} | answer_sheet(application=application, url_for=_download_url)
    return render(request, "allocations/application_print.html", context)


@login_required
def application_section(request, pk: int, section: str):
    application = _member_application(request, pk)
    if section not in selectors.form_steps(application):
        raise Http404(_("No such step."))
    if not application.is_editable:
        messages.info(request, _("This application was submitted and is read-only."))
        return redirect("application_detail", pk=application.pk)
    if section == Section.ATTACHMENTS:
        return _attachments_step(request, application)
    if section == Section.REVIEW:
        return _review_step(request, application, SubmitForm())

    data = request.POST if request.method == "POST" else None
    form = _section_form(application, section, data)
    formset = team_formset(application, data, request.GET.get("rows")) if section == Section.TEAM else None
    conflict = None
    saved_at = None
    status = 200
    if request.method == "POST":
        valid = form.is_valid() and (formset is None or formset.is_valid())
        if valid:
            values = form.values()
            if formset is not None:
                values["members"] = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("email")]
            try:
                application = services.application_update(
                    application_id=application.pk,
                    by=request.user,
                    changes={section: (form.cleaned_data["version"] or 0, values)},
                )
            except services.SectionConflict as exc:
                conflict = exc
                status = 409
                # The user's text stays in the form; saving again now replaces the newer version knowingly.
                data = request.POST.copy()
                data["version"] = str(exc.application.section_version(section))
                if not request.htmx:
                    form = _section_form(exc.application, section, data)
                    form.is_valid()
            except PermissionDenied:
                raise Http404(_("No such application."))
            except ValidationError as exc:
                apply_service_errors(form, exc)
                status = 400
            else:
                saved_at = timezone.localtime()
                if not request.htmx:
                    return _after_save(request, application, section, saved_at)
        else:
            status = 400
            application, form, saved_at = _keep_valid_answers(request, application, section, form)
        if request.htmx:
            return _save_status(request, application, section, form, formset, conflict, saved_at)
    context = (
        _step_context(application, section)
        | {
            "form": form,
            "formset": formset,
            "conflict": conflict,
            "partly_saved": saved_at is not None and status == 400,
        }
        | team_context(application, formset)
    )
    return render(request, "allocations/application_section.html", context, status=status)


def _after_save(request, application: Application, section: str, saved_at):
    """A full-page save: say when, then show the next step ("continue") or the same one again."""
    messages.success(request, _("Saved at %(time)s.") % {"time": saved_at.strftime("%H:%M")})
    if "add_member" in request.POST:
        url = reverse("application_section", args=[application.pk, section])
        return redirect(f"{url}?rows={one_more_row(request.POST)}")
    if "continue" in request.POST:
        steps = selectors.form_steps(application)
        next_step = steps[steps.index(Section(section)) + 1]
        return redirect("application_section", pk=application.pk, section=next_step)
    return redirect("application_section", pk=application.pk, section=section)


def _keep_valid_answers(request, application: Application, section: str, form):
    """``(application, form, saved_at)`` after saving the valid answers of an invalid step (see below); the form
    is bound again on the new version, so the next save of the page is not taken for a conflict."""
    kept = _save_valid_fields(request, application, section, form)
    if kept is None:
        return application, form, None
    data = request.POST.copy()
    data["version"] = str(kept.section_version(section))
    form = _section_form(kept, section, data)
    form.is_valid()
    return kept, form, timezone.localtime()


def _save_valid_fields(request, application: Application, section: str, form):
    """A step saved with some invalid fields keeps its valid answers: they are saved, the invalid ones are shown
    with their errors (nothing is lost on leaving the page). Returns the saved application, or None when nothing
    could be saved (the team step, call questions, a conflict or the service's own refusal)."""
    if not isinstance(form, SectionForm) or section == Section.TEAM or form.non_field_errors():
        return None
    values = form.unsaved_values()
    version = form.cleaned_data.get("version")
    if not values or version is None:
        return None
    try:
        return services.application_update(
            application_id=application.pk, by=request.user, changes={section: (version, values)}
        )
    except (services.SectionConflict, ValidationError):
        return None


def _save_status(request, application: Application, section: str, form, formset, conflict, saved_at):
    """An autosave (htmx): the save status fragment; a conflict also tells the page's script."""
    response = render(
        request,
        "allocations/partials/save_status.html",
        {
            "form": form,
            "formset": formset,
            "conflict": conflict,
            "saved_at": saved_at,
            "application": application,
            "section": Section(section),
            "version": application.section_version(section),
        },
    )
    if conflict is not None:
        response["HX-Trigger"] = "autosaveConflict"
    return response


def _attachments_step(request, application: Application, form=None, status: int = 200):
    attachments = list(selectors.application_attachments(application=application))
    slots = application.form_version.document_slots if application.form_version_id else []
    failed_slot = form.data.get("slot") if form is not None and form.is_bound else None
    context = _step_context(application, Section.ATTACHMENTS) | {
        "form": form or AttachmentForm(),
        "attachments": attachments,
        "slots": [
            {
                **slot,
                "attachment": next((a for a in attachments if a.slot_id == slot["id"]), None),
                "failed": str(slot["id"]) == str(failed_slot),
            }
            for slot in slots
        ],
    }
    return render(request, "allocations/application_attachments.html", context, status=status)


def _download_url(attachment) -> str:
    return reverse("attachment_download", args=[attachment.application_id, attachment.pk])


def _review_step(request, application: Application, form, status: int = 200, errors=None):
    roles = selectors.roles_of(user=request.user, application=application)
    context = _step_context(application, Section.REVIEW) | answer_sheet(application=application, url_for=_download_url)
    context.update(form=form, errors=errors or [], can_submit=Action.SUBMIT in actions_for(application.status, roles))
    if context["can_submit"]:
        context["overdue_reports"] = obligations.overdue_final_reports(
            users=[application.pi, request.user], today=timezone.localdate()
        )
    return render(request, "allocations/application_review.html", context, status=status)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    application = _member_application(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                application_id=application.pk,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                by=request.user,
                slot_id=form.cleaned_data["slot"],
            )
        except PermissionDenied:
            raise Http404(_("No such application."))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was uploaded.") % {"name": attachment.original_name})
            return redirect("application_section", pk=application.pk, section=Section.ATTACHMENTS)
    if not application.is_editable:
        return redirect("application_detail", pk=application.pk)
    return _attachments_step(request, application, form=form, status=400)


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    """The applicant's team, the assigned reviewers who accepted (no conflict) and call managers; 404 otherwise.
    Each download is logged with the reader's role."""
    try:
        attachment, role = access_log.attachment_for_reader(user=request.user, application_pk=pk, pk=attachment_pk)
    except Attachment.DoesNotExist:
        raise Http404(_("No such attachment."))
    access_log.attachment_download_record(attachment=attachment, by=request.user, role=role)
    filename = attachment.original_name
    if role == ReaderRole.REVIEWER and attachment.application.call.blind_review:
        filename = f"{attachment.application.reference or 'application'}-{attachment.pk}.pdf"  # blind review
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_delete(request, pk: int, attachment_pk: int):
    try:
        attachment = selectors.attachment_for_member(user=request.user, application_pk=pk, pk=attachment_pk)
    except Attachment.DoesNotExist:
        raise Http404(_("No such attachment."))
    try:
        services.attachment_remove(attachment_id=attachment.pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(_error_messages(exc)))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": attachment.original_name})
    return redirect("application_section", pk=pk, section=Section.ATTACHMENTS)


@login_required
@require_POST
def application_submit(request, pk: int):
    application = _member_application(request, pk)
    form = SubmitForm(request.POST)
    form.is_valid()
    try:
        application = services.application_submit(
            application_id=application.pk, by=request.user, declaration=form.cleaned_data.get("declaration", False)
        )
    except ValidationError as exc:
        if not application.is_editable:
            messages.error(request, " ".join(_error_messages(exc)))
            return redirect("application_detail", pk=application.pk)
        if hasattr(exc, "error_dict") and "declaration" in exc.error_dict:
            apply_service_errors(form, exc)
            return _review_step(request, application, form, status=400)
        return _review_step(request, application, form, status=400, errors=_error_messages(exc))
    except PermissionDenied as exc:
        return _review_step(request, application, form, status=403, errors=[str(exc)])
    messages.success(
        request,
        _("Your application was submitted. Its reference is %(ref)s; a confirmation email is on its way.")
        % {"ref": application.reference},
    )
    return redirect("application_detail", pk=application.pk)


@login_required
def application_withdraw(request, pk: int):
    application = _member_application(request, pk)
    form = WithdrawForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application_id=application.pk, by=request.user, comment=form.cleaned_data["comment"]
            )
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(_error_messages(exc)) if isinstance(exc, ValidationError) else str(exc)
        else:
            messages.success(request, _("The application was withdrawn."))
            return redirect("application_detail", pk=application.pk)
    return render(
        request,
        "allocations/application_withdraw.html",
        {"application": application, "form": form, "error": error, "back": reverse("application_detail", args=[pk])},
        status=400 if error else 200,
    )
