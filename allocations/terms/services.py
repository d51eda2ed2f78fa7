"""Writes of the terms of access: staff draft, edit and publish versions; people accept the current ones.

Allocation admins (and superusers) manage the texts; publishing is recorded in the audit trail. Acceptances are
append-only rows (a database trigger refuses changes); accepting a version twice returns the first acceptance.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_allocation_admin
from allocations.models import Gigafactory
from allocations.models.terms import TermsAcceptance, TermsKind, TermsStatus, TermsVersion
from allocations.terms import selectors
from audit.models import ObjectType
from audit.services import record

EDITABLE_FIELDS = ("title", "body", "title_de", "body_de", "title_fr", "body_fr", "changes")


class TermsNotAccepted(ValidationError):
    """The PI has not accepted the current terms that an offer needs; ``versions`` lists them."""

    def __init__(self, versions: list[TermsVersion]):
        self.versions = versions
        names = ", ".join(
            _("%(document)s, version %(n)s") % {"document": version.document_label, "n": version.number}
            for version in versions
        )
        super().__init__(
            _("Accept the current terms of access first: %(documents)s.") % {"documents": names},
            code="terms_not_accepted",
        )


def may_manage_terms(user) -> bool:
    """Allocation admins (and superusers) write and publish the terms; the request must have passed MFA."""
    return is_allocation_admin(user)


def _require_manager(user) -> None:
    if not may_manage_terms(user):
        raise PermissionDenied(_("Only allocation admins can manage the terms of access."))


def _clean_text(fields: dict) -> dict:
    values = {name: (fields.get(name) or "").strip() for name in EDITABLE_FIELDS}
    errors = {}
    if not values["title"]:
        errors["title"] = _("Give the version a title.")
    if not values["body"]:
        errors["body"] = _("Write the English text; translations are optional.")
    for language in ("de", "fr"):
        if values[f"title_{language}"] and not values[f"body_{language}"]:
            errors[f"body_{language}"] = _("A translated title needs its translated text.")
    if errors:
        raise ValidationError(errors)
    return values


def terms_version_create(*, kind: str, gigafactory: Gigafactory | None, by: User, **fields) -> TermsVersion:
    """A new draft of a document: the platform terms (``gigafactory`` None) or a Gigafactory's acceptable-use policy.
    Numbered after the document's last version."""
    _require_manager(by)
    if kind == TermsKind.PLATFORM and gigafactory is not None:
        raise ValidationError({"gigafactory": _("The platform terms belong to no Gigafactory.")})
    if kind == TermsKind.ACCEPTABLE_USE and gigafactory is None:
        raise ValidationError({"gigafactory": _("Choose the Gigafactory whose acceptable-use policy this is.")})
    if kind not in TermsKind.values:
        raise ValidationError({"kind": _("Choose the platform terms or an acceptable-use policy.")})
    values = _clean_text(fields)
    last = TermsVersion.objects.filter(kind=kind, gigafactory=gigafactory).aggregate(n=Max("number"))["n"] or 0
    try:
        with transaction.atomic():
            return TermsVersion.objects.create(
                kind=kind, gigafactory=gigafactory, number=last + 1, created_by=by, status=TermsStatus.DRAFT, **values
            )
    except IntegrityError:  # two drafts of one document numbered at once: the unique constraint kept one
        raise ValidationError(_("Another version of this document was just created; try again."))


def terms_version_update(*, version_id: int, by: User, **fields) -> TermsVersion:
    """Edit a draft. A published version is fixed: change it by writing the next version."""
    _require_manager(by)
    values = _clean_text(fields)
    with transaction.atomic():
        version = TermsVersion.objects.select_for_update().get(pk=version_id)
        if version.status != TermsStatus.DRAFT:
            raise ValidationError(_("A published version cannot be changed; write a new version instead."))
        for name, value in values.items():
            setattr(version, name, value)
        version.save(update_fields=list(values))
    return version


def terms_version_publish(*, version_id: int, by: User, now=None) -> TermsVersion:
    """Publish a draft: it becomes its document's current version at once. Everyone bound to the document must
    accept it (the offer gate, the re-acceptance at their next visit); members who join a grant team from now on get
    a cluster account only after accepting it. Recorded in the audit trail."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        version = TermsVersion.objects.select_for_update(of=("self",)).select_related("gigafactory").get(pk=version_id)
        if version.status != TermsStatus.DRAFT:
            raise ValidationError(_("This version is already published."))
        current = selectors.current_versions().get(version.document)
        if current is not None and current.published_at >= now:
            raise ValidationError(_("The current version was published later than this moment; try again."))
        version.status = TermsStatus.PUBLISHED
        version.published_at, version.published_by = now, by
        version.save(update_fields=["status", "published_at", "published_by"])
        record(
            actor=by,
            action="terms.published",
            object_type=ObjectType.TERMS,
            object_id=version.pk,
            object_label=str(version),
            changes={"number": version.number, "replaces": current.number if current else None},
            now=now,
        )
        # Forget the cached current versions now and again after the commit (a request in between may have cached
        # the old ones).
        selectors.forget_current()
        transaction.on_commit(selectors.forget_current)
    return version


def terms_accept(*, user: User, version_ids, by: User, language: str = "en", now=None) -> list[TermsAcceptance]:
    """``user`` accepts the given versions, each of which must be its document's current version. Idempotent: a
    version accepted before keeps its first acceptance. Nobody accepts for someone else."""
    if by.pk != user.pk:
        raise PermissionDenied(_("Only the person themselves can accept the terms of access."))
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in version_ids})
    if not ids:
        raise ValidationError({"version": _("Choose the terms to accept.")})
    current = {version.pk: version for version in selectors.current_versions().values()}
    stale = [pk for pk in ids if pk not in current]
    if stale:
        raise ValidationError(
            {"version": _("Only the current version of a document can be accepted; reload the page to read it.")}
        )
    accepted = []
    for pk in ids:
        try:
            with transaction.atomic():
                acceptance, _created = TermsAcceptance.objects.get_or_create(
                    user=user, version=current[pk], defaults={"accepted_at": now, "language": language[:8] or "en"}
                )
        except IntegrityError:  # accepted at the same moment in another request
            acceptance = TermsAcceptance.objects.get(user=user, version=current[pk])
        accepted.append(acceptance)
    return accepted
