"""Terms pages: read and accept the current terms (``/terms/``), and manage them (``/staff/terms/``, allocation
admins with MFA; other platform staff get 403, everybody else 404). Thin: parse, call a service or selector, render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import is_platform_staff
from allocations.models import Gigafactory
from allocations.models.terms import TermsKind, TermsStatus, TermsVersion
from allocations.terms import selectors, services
from allocations.terms.forms import TermsAcceptForm, TermsVersionForm
from allocations.terms.middleware import SESSION_KEY
from portal.forms import apply_service_errors


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure()):
        return value
    return ""


def _gigafactory_param(request) -> Gigafactory | None:
    slug = request.GET.get("gigafactory", "")
    if not slug:
        return None
    return get_object_or_404(Gigafactory, slug=slug[:120])


def _shown(version: TermsVersion) -> dict:
    language, title, body = version.text_in(get_language())
    return {"version": version, "language": language, "title": title, "body": body}


def _current_page(request, *, form=None, status: int = 200):
    gigafactory = _gigafactory_param(request) if request.method == "GET" else None
    current = selectors.current_versions()
    context = {"gigafactory": gigafactory, "platform": current.get((TermsKind.PLATFORM, None))}
    if request.user.is_authenticated:
        sites = selectors.bound_gigafactories(user=request.user) | ({gigafactory.pk} if gigafactory else set())
        due = {v.pk: v for v in selectors.pending_versions(user=request.user, gigafactory_ids=sites, current=current)}
        due.update({v.pk: v for v in selectors.reacceptance_due(user=request.user) if v.pk not in due})
        acceptances = list(selectors.acceptances_of(user=request.user)[:50])
        earlier = {a.version.document for a in acceptances}
        pending = [_shown(v) | {"changed": v.document in earlier} for v in due.values()]
        next_url = _safe_next(request, request.GET.get("next", "") or request.POST.get("next", ""))
        context |= {
            "pending": pending,
            "acceptances": acceptances,
            "form": form or TermsAcceptForm(initial={"version": list(due), "next": next_url}, versions=due.values()),
            "next_url": next_url,
        }
    context["policies"] = [v for doc, v in sorted(current.items(), key=lambda i: i[1].document_label) if doc[1]]
    return render(request, "allocations/terms/current.html", context, status=status)


@require_GET
def terms_current(request):
    """Anyone reads the current terms; a signed-in person also sees what they still have to accept, and accepts."""
    return _current_page(request)


@login_required
@require_POST
def terms_accept(request):
    form = TermsAcceptForm(request.POST, versions=selectors.current_versions().values())
    if form.is_valid():
        try:
            services.terms_accept(
                user=request.user,
                version_ids=form.cleaned_data["version"],
                by=request.user,
                language=(get_language() or "en")[:2],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("Thank you: your acceptance of the terms of access is recorded."))
            return redirect(_safe_next(request, form.cleaned_data["next"]) or reverse("terms_current"))
    return _current_page(request, form=form, status=400)


@require_GET
def terms_version(request, pk: int):
    """A published version, current or earlier (drafts are 404): what someone accepted, as they read it."""
    try:
        version = selectors.published_version(pk=pk)
    except TermsVersion.DoesNotExist:
        raise Http404
    current = selectors.current_versions().get(version.document)
    return render(
        request,
        "allocations/terms/version.html",
        {**_shown(version), "is_current": current is not None and current.pk == version.pk, "current": current},
    )


# --- staff --------------------------------------------------------------------------------------------------------


def _require_manager(request) -> None:
    if services.may_manage_terms(request.user):
        return
    if request.user.is_authenticated and is_platform_staff(request.user):
        raise PermissionDenied(_("Only allocation admins can manage the terms of access."))
    raise Http404


def _version_or_404(pk: int) -> TermsVersion:
    return get_object_or_404(TermsVersion.objects.select_related("gigafactory", "created_by", "published_by"), pk=pk)


@login_required
@require_GET
def staff_home(request):
    _require_manager(request)
    return render(request, "allocations/terms/staff/home.html", {"documents": selectors.documents_overview()})


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    _require_manager(request)
    initial = {}
    if (gigafactory := _gigafactory_param(request)) is not None:
        initial = {"kind": TermsKind.ACCEPTABLE_USE, "gigafactory": gigafactory}
    form = TermsVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.terms_version_create(
                kind=form.cleaned_data["kind"],
                gigafactory=form.cleaned_data["gigafactory"],
                by=request.user,
                **form.texts(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Read it once more, then publish it."))
            return redirect("terms_staff_version", pk=version.pk)
    return render(request, "allocations/terms/staff/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def staff_version(request, pk: int):
    _require_manager(request)
    version = _version_or_404(pk)
    gigafactory = _gigafactory_param(request) if version.kind == TermsKind.PLATFORM else None
    missing = []
    if version.status == TermsStatus.PUBLISHED:
        missing = selectors.not_accepted(version=version, gigafactory_id=getattr(gigafactory, "pk", None))
    translations = [
        (code, name, getattr(version, f"title_{code}") or version.title, getattr(version, f"body_{code}"))
        for code, name in (("de", _("German")), ("fr", _("French")))
    ]
    context = {
        "version": version,
        "missing": missing,
        "gigafactory": gigafactory,
        "gigafactories": Gigafactory.objects.order_by("name") if version.kind == TermsKind.PLATFORM else [],
        "translations": [t for t in translations if t[3]],
        "is_current": selectors.current_versions().get(version.document) == version,
    }
    return render(request, "allocations/terms/staff/version.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk: int):
    _require_manager(request)
    version = _version_or_404(pk)
    if version.status != TermsStatus.DRAFT:
        messages.info(request, _("A published version is fixed; write the next version instead."))
        return redirect("terms_staff_version", pk=version.pk)
    initial = {name: getattr(version, name) for name in ("title", "body", "title_de", "body_de", "title_fr")}
    initial |= {"body_fr": version.body_fr, "changes": version.changes}
    form = TermsVersionForm(request.POST or None, initial=initial, new=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.terms_version_update(version_id=version.pk, by=request.user, **form.texts())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("terms_staff_version", pk=version.pk)
    return render(
        request,
        "allocations/terms/staff/form.html",
        {"form": form, "version": version},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def staff_publish(request, pk: int):
    _require_manager(request)
    version = _version_or_404(pk)
    try:
        services.terms_version_publish(version_id=version.pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Version %(n)s is published. Everyone it binds is asked to accept it at their next visit.")
            % {"n": version.number},
        )
    return redirect("terms_staff_version", pk=version.pk)
