"""The change requests of a grant on its page (the grant page belongs to the capacity context, which sits below the
post-award one and does not import it)."""

from django import template

from allocations.postaward.changes.views import grant_change_context

register = template.Library()


@register.inclusion_tag("allocations/postaward/changes/partials/grant_changes.html", takes_context=True)
def grant_change_requests(context, grant):
    return {"grant": grant, **grant_change_context(grant=grant, user=context["request"].user)}
