"""Template helpers shared by every app."""

from django import forms, template
from django.utils.safestring import SafeString

from portal.forms import widget_css_class

register = template.Library()


@register.simple_tag
def bootstrap_widget(field: forms.BoundField) -> SafeString:
    """Render a bound field's widget with Bootstrap classes and ARIA links to its help text and errors."""
    css = widget_css_class(field.field.widget)
    attrs = {"class": f"{field.field.widget.attrs.get('class', '')} {css}".strip()}
    described = []
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_errors")
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
