"""Template helpers for calls and applications."""

from django import template
from django.utils.translation import gettext as _

from allocations.applications.markdown import render_markdown
from allocations.applications.workflow import Status
from allocations.models import Application, TeamRole

register = template.Library()


@register.filter
def markdown(text: str):
    """Markdown rendered and sanitised (nh3)."""
    return render_markdown(text)


@register.filter
def field_value(value):
    """A saved answer as text: yes/no, lists joined, empty as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(f"{m['email']} ({TeamRole(m['role']).label})" for m in value)
        return ", ".join(str(v) for v in value)
    return str(value)


@register.filter
def field_label(name: str) -> str:
    if name == "members":
        return _("Team members")
    return str(Application._meta.get_field(name).verbose_name).capitalize()


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


STATUS_BADGES = {
    "draft": "text-bg-secondary",
    "submitted": "text-bg-primary",
    "withdrawn": "text-bg-dark",
    "approved": "text-bg-success",
    "active": "text-bg-success",
    "rejected": "text-bg-danger",
    "ineligible": "text-bg-danger",
}


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-info")


@register.filter
def status_for(status: str, application) -> str:
    """A status as the applicant reads it: in modes without peer review (Playground, Fast Lane) the decision
    follows the check directly, so "Panel" reads "Awaiting decision"."""
    if status == Status.PANEL and application.call.reviewers_needed == 0:
        return _("Awaiting decision")
    return str(Status(status).label)
