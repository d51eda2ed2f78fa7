"""The call designer under /staff/calls/ (call managers with an MFA session). Thin: parse, call a service,
render. A refused change re-renders the page with field errors (400); other staff get 403, others 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import PlatformRole, has_role, is_platform_staff
from allocations.applications.answers import question_spec, slot_spec
from allocations.applications.calls import selectors
from allocations.applications.calls import services as designer
from allocations.applications.calls.forms import (
    CallForm,
    CloneForm,
    CriteriaFormSet,
    CutoffsForm,
    ExtendCutoffForm,
    NewCallForm,
    QuestionForm,
    SlotForm,
)
from allocations.applications.question_forms import preview_forms
from allocations.models import Call, CallStatus
from portal.forms import apply_service_errors


def _require_manager(request) -> None:
    if has_role(request.user, PlatformRole.CALL_MANAGER):
        return
    if is_platform_staff(request.user):
        raise PermissionDenied(_("Only call managers can open the call designer."))
    raise Http404


def _call(request, slug: str) -> Call:
    _require_manager(request)
    try:
        return selectors.call_for_designer(slug=slug)
    except Call.DoesNotExist:
        raise Http404(_("No such call."))


def _messages(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@login_required
def call_designer_list(request):
    _require_manager(request)
    return render(request, "allocations/designer/list.html", {"groups": selectors.calls_for_designer()})


@login_required
@require_http_methods(["GET", "POST"])
def call_designer_create(request):
    _require_manager(request)
    form = NewCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = designer.call_create(
                by=request.user,
                values=form.values(),
                gigafactories=list(form.cleaned_data["gigafactories"]),
                cutoffs=form.cleaned_data["cutoffs"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The draft call was created. Add its rubric, questions and documents."))
            return redirect("call_designer_detail", slug=call.slug)
    status = 400 if form.is_bound else 200
    return render(request, "allocations/designer/form.html", {"form": form, "call": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def call_designer_edit(request, slug: str):
    call = _call(request, slug)
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        try:
            designer.call_update(
                call_id=call.pk,
                by=request.user,
                values=form.values(),
                gigafactories=list(form.cleaned_data["gigafactories"]),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The call was saved."))
            return redirect("call_designer_detail", slug=call.slug)
    status = 400 if form.is_bound else 200
    return render(request, "allocations/designer/form.html", {"form": form, "call": call}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def call_designer_clone(request, slug: str):
    source = _call(request, slug)
    form = CloneForm(request.POST or None, initial={"title": _("%(title)s (copy)") % {"title": source.title}})
    if request.method == "POST" and form.is_valid():
        try:
            call = designer.call_clone(
                source_id=source.pk,
                by=request.user,
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                cutoffs=form.cleaned_data["cutoffs"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(title)s was created from %(source)s.") % {"title": call, "source": source})
            return redirect("call_designer_detail", slug=call.slug)
    status = 400 if form.is_bound else 200
    return render(request, "allocations/designer/clone.html", {"form": form, "source": source}, status=status)


def _detail(request, call: Call, status: int = 200, **forms):
    criteria = [{"name": c.name, "weight": c.weight, "threshold": c.threshold} for c in call.criteria.all()]
    context = {
        "call": call,
        "questions": designer.working_questions(call),
        "slots": designer.working_slots(call),
        "events": selectors.call_events(call=call)[:30],
        "has_changes": designer.form_has_changes(call),
        "is_draft": call.status == CallStatus.DRAFT,
        "is_closed": call.status == CallStatus.CLOSED,
        "now": timezone.now(),
        "question_form": QuestionForm(prefix="question"),
        "slot_form": SlotForm(prefix="slot", initial={"max_size_mb": 10, "required": True}),
        "cutoffs_form": CutoffsForm(initial={"cutoffs": [c.at for c in call.cutoffs.all()]}),
        "criteria_formset": CriteriaFormSet(initial=criteria, prefix="criteria"),
        "extend_form": ExtendCutoffForm(),
        "publish_errors": [],
    }
    context.update(forms)
    return render(request, "allocations/designer/detail.html", context, status=status)


@login_required
def call_designer_detail(request, slug: str):
    return _detail(request, _call(request, slug))


@login_required
def call_designer_preview(request, slug: str):
    call = _call(request, slug)
    questions = [question_spec(q) for q in designer.working_questions(call)]
    return render(
        request,
        "allocations/designer/preview.html",
        {
            "call": call,
            "steps": preview_forms(questions),
            "slots": [slot_spec(s) for s in designer.working_slots(call)],
        },
    )


def _run(request, call: Call, action, success: str, *, form_key: str | None = None, form=None):
    """Run a designer service for a POST; on refusal re-render the page with the errors (400)."""
    try:
        action()
    except ValidationError as exc:
        if form is not None:
            apply_service_errors(form, exc)
            return _detail(request, call, status=400, **{form_key: form})
        messages.error(request, _messages(exc))
        return _detail(request, call, status=400, publish_errors=_field_messages(exc))
    messages.success(request, success)
    return redirect("call_designer_detail", slug=call.slug)


def _field_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{field}: {m}" if field != "__all__" else str(m) for field, errs in exc.message_dict.items() for m in errs
        ]
    return list(exc.messages)


@login_required
@require_POST
def call_designer_publish(request, slug: str):
    call = _call(request, slug)
    return _run(
        request,
        call,
        lambda: designer.call_publish(call_id=call.pk, by=request.user),
        _("The call is published (form version 1)."),
    )


@login_required
@require_POST
def call_designer_publish_version(request, slug: str):
    call = _call(request, slug)
    return _run(
        request,
        call,
        lambda: designer.call_publish_form_version(call_id=call.pk, by=request.user),
        _("A new version of the form is published; drafts started from now on answer it."),
    )


@login_required
@require_POST
def call_designer_close(request, slug: str):
    call = _call(request, slug)
    return _run(request, call, lambda: designer.call_close(call_id=call.pk, by=request.user), _("The call is closed."))


@login_required
@require_POST
def call_designer_cutoffs(request, slug: str):
    call = _call(request, slug)
    form = CutoffsForm(request.POST)
    if not form.is_valid():
        return _detail(request, call, status=400, cutoffs_form=form)
    action = lambda: designer.call_set_cutoffs(call_id=call.pk, by=request.user, cutoffs=form.cleaned_data["cutoffs"])  # noqa: E731
    return _run(request, call, action, _("The cut-offs were saved."), form_key="cutoffs_form", form=form)


@login_required
@require_POST
def call_designer_extend(request, slug: str, cutoff_pk: int):
    call = _call(request, slug)
    form = ExtendCutoffForm(request.POST)
    if not form.is_valid():
        return _detail(request, call, status=400, extend_form=form, extend_cutoff=cutoff_pk)
    action = lambda: designer.call_extend_cutoff(  # noqa: E731
        call_id=call.pk, cutoff_id=cutoff_pk, new_at=form.cleaned_data["new_at"], by=request.user
    )
    return _run(request, call, action, _("The cut-off was extended."), form_key="extend_form", form=form)


@login_required
@require_POST
def call_designer_rubric(request, slug: str):
    call = _call(request, slug)
    formset = CriteriaFormSet(request.POST, prefix="criteria")
    if not formset.is_valid():
        return _detail(request, call, status=400, criteria_formset=formset)
    criteria = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("name")]
    try:
        designer.call_set_criteria(call_id=call.pk, by=request.user, criteria=criteria)
    except ValidationError as exc:
        return _detail(request, call, status=400, criteria_formset=formset, rubric_errors=_field_messages(exc))
    messages.success(request, _("The rubric was saved."))
    return redirect("call_designer_detail", slug=call.slug)


@login_required
@require_POST
def call_designer_question_add(request, slug: str):
    call = _call(request, slug)
    form = QuestionForm(request.POST, prefix="question")
    if not form.is_valid():
        return _detail(request, call, status=400, question_form=form)
    action = lambda: designer.question_save(call_id=call.pk, by=request.user, values=form.values())  # noqa: E731
    return _run(request, call, action, _("The question was added."), form_key="question_form", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def call_designer_question_edit(request, slug: str, question_pk: int):
    call = _call(request, slug)
    question = designer.working_questions(call).filter(pk=question_pk).first()
    if question is None:
        raise Http404
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            designer.question_save(call_id=call.pk, by=request.user, values=form.values(), question_id=question.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("call_designer_detail", slug=call.slug)
    status = 400 if form.is_bound else 200
    return render(request, "allocations/designer/item_form.html", {"call": call, "form": form}, status=status)


@login_required
@require_POST
def call_designer_slot_add(request, slug: str):
    call = _call(request, slug)
    form = SlotForm(request.POST, prefix="slot")
    if not form.is_valid():
        return _detail(request, call, status=400, slot_form=form)
    action = lambda: designer.slot_save(call_id=call.pk, by=request.user, values=form.values())  # noqa: E731
    return _run(request, call, action, _("The document was added."), form_key="slot_form", form=form)


@login_required
@require_POST
def call_designer_item(request, slug: str, kind: str, item_pk: int, operation: str):
    """Move a question or document up or down, or remove it (buttons that work without JavaScript)."""
    call = _call(request, slug)
    services = {
        ("question", "up"): lambda: designer.question_move(
            call_id=call.pk, question_id=item_pk, up=True, by=request.user
        ),
        ("question", "down"): lambda: designer.question_move(
            call_id=call.pk, question_id=item_pk, up=False, by=request.user
        ),
        ("question", "remove"): lambda: designer.question_remove(call_id=call.pk, question_id=item_pk, by=request.user),
        ("slot", "up"): lambda: designer.slot_move(call_id=call.pk, slot_id=item_pk, up=True, by=request.user),
        ("slot", "down"): lambda: designer.slot_move(call_id=call.pk, slot_id=item_pk, up=False, by=request.user),
        ("slot", "remove"): lambda: designer.slot_remove(call_id=call.pk, slot_id=item_pk, by=request.user),
    }
    action = services.get((kind, operation))
    if action is None:
        raise Http404
    return _run(request, call, action, _("Saved."))
