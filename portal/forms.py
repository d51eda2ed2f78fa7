"""Form helpers shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError


def widget_css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class BootstrapFormMixin:
    """Adds Bootstrap classes to every widget and wires errors and help text with ARIA attributes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {widget_css_class(widget)}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_helptext"

    def add_error(self, field, error):
        super().add_error(field, error)
        names = [field] if field else []
        if not field and hasattr(error, "error_dict"):
            names = list(error.error_dict)
        for name in names:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            widget.attrs["aria-invalid"] = "true"
            if "is-invalid" not in widget.attrs["class"].split():
                widget.attrs["class"] += " is-invalid"
            described = widget.attrs.get("aria-describedby", "").split()
            error_id = f"id_{self.add_prefix(name)}_errors"
            if error_id not in described:
                widget.attrs["aria-describedby"] = " ".join([error_id, *described])


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError as form errors: known fields on their field, everything else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for message in error.messages:
            form.add_error(None, message)
