"""The Team step's explicit "Invite" action: the only way an application's team member is emailed an invitation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from allocations.applications import selectors, services
from allocations.applications.forms import TeamMemberForm
from allocations.models import Application, Section


@login_required
@require_POST
def team_member_invite(request, pk: int):
    try:
        application = selectors.application_for_member(user=request.user, pk=pk)
    except Application.DoesNotExist:
        raise Http404(_("No such application."))
    email = (request.POST.get("invite") or "").strip().lower()
    try:
        services.team_member_invite(application_id=application.pk, email=email, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
    return redirect("application_section", pk=application.pk, section=Section.TEAM.value)


def team_formset(application: Application, data=None, rows: str | None = None):
    """The Team step's rows: the saved members, then empty rows (two, or up to ``rows`` in all when asked for)."""
    initial = [{"email": m.email, "role": m.role} for m in selectors.application_members(application=application)]
    wanted = int(rows) if rows and rows.isdigit() else 0
    extra = max(2, min(wanted, services.MAX_TEAM_MEMBERS) - len(initial))
    formset_class = forms.formset_factory(
        TeamMemberForm, extra=extra, max_num=services.MAX_TEAM_MEMBERS, validate_max=True
    )
    return formset_class(data, initial=initial, prefix="members")


def team_context(application: Application, formset) -> dict:
    """What the Team step shows besides its form: the saved addresses an owner may invite."""
    if formset is None:
        return {}
    return {"invitable": services.team_invitable(application=application)}


def one_more_row(data) -> int:
    """The number of Team rows after "Add a member": one more than were shown."""
    shown = data.get("members-TOTAL_FORMS") or ""
    return (int(shown) if shown.isdigit() else 0) + 1
