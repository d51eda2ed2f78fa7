"""The audit page under /staff/audit/ (the MFA middleware has checked two-factor authentication)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.forms import AuditFilterForm
from audit.rules import readable_object_types
from audit.selectors import audit_events

PAGE_SIZE = 50


@login_required
def audit_event_list(request):
    readable = readable_object_types(request.user)
    if not readable:
        raise PermissionDenied(_("The audit trail is for superusers, call managers and allocation admins."))
    form = AuditFilterForm(request.GET or None, readable=readable)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(readable=readable, **{name: value for name, value in filters.items() if value})
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )
