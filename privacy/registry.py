"""Every reference to a person in the data model, and what the data export does with it.

A reference is a foreign key, one-to-one or many-to-many field of any installed model that points at the user
model, named ``"<app label>.<Model>.<field>"``. Each one is either read by a section of the export
(``privacy.sections.SECTIONS``, its ``covers``) or listed in ``EXCLUDED`` with the reason it stays out. A test
walks the models: a new reference that is neither fails it until it is exported or excluded here.
"""

from django.apps import apps
from django.contrib.auth import get_user_model

EXCLUDED: dict[str, str] = {
    "reviews.DeclaredRelationship.person": (
        "A reviewer's declaration of a relationship with this person: exporting it would name the reviewer, whose "
        "identity review confidentiality protects."
    ),
    "privacy.Erasure.user": "The record that an account was erased; an erased account cannot sign in to export.",
}


def user_references() -> list[str]:
    """``"<app label>.<Model>.<field>"`` of every forward relation to the user model, in every installed app.

    Many-to-many tables that Django creates are left out: their relation is the many-to-many field itself.
    """
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model is user_model:
                found.append(f"{model._meta.label}.{field.name}")
    return sorted(found)


def reference_field(reference: str):
    """The model and the field that ``reference`` names."""
    label, field_name = reference.rsplit(".", 1)
    model = apps.get_model(label)
    return model, model._meta.get_field(field_name)
