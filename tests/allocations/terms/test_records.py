"""What the database guarantees: acceptances are append-only, a published version is fixed, one current version per
document; and what the services refuse."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from allocations.models.terms import TermsAcceptance, TermsKind, TermsStatus, TermsVersion
from allocations.terms import selectors, services
from audit.models import AuditEvent, ObjectType
from tests.factories.terms import published_terms


def test_acceptances_cannot_be_changed_or_deleted(alice, platform_terms):
    (acceptance,) = services.terms_accept(user=alice, version_ids=[platform_terms.pk], by=alice)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TermsAcceptance.objects.filter(pk=acceptance.pk).update(accepted_at=timezone.now())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TermsAcceptance.objects.filter(pk=acceptance.pk).delete()
    assert TermsAcceptance.objects.get(pk=acceptance.pk).accepted_at == acceptance.accepted_at


def test_a_published_version_is_fixed_and_a_draft_is_not(carol, platform_terms):
    with pytest.raises(DatabaseError, match="fixed"), transaction.atomic():
        TermsVersion.objects.filter(pk=platform_terms.pk).update(body="Changed after the fact.")
    with pytest.raises(DatabaseError, match="fixed"), transaction.atomic():
        TermsVersion.objects.filter(pk=platform_terms.pk).delete()
    draft = services.terms_version_create(kind=TermsKind.PLATFORM, gigafactory=None, by=carol, title="T", body="B")
    services.terms_version_update(version_id=draft.pk, by=carol, title="T2", body="B2")
    assert TermsVersion.objects.filter(pk=draft.pk).delete()[0] == 1


def test_accepting_twice_keeps_the_first_acceptance(alice, platform_terms):
    first = services.terms_accept(user=alice, version_ids=[platform_terms.pk], by=alice)
    again = services.terms_accept(user=alice, version_ids=[platform_terms.pk], by=alice, now=timezone.now())
    assert first == again and TermsAcceptance.objects.filter(user=alice).count() == 1


def test_only_a_current_version_is_accepted_and_only_by_the_person(alice, mallory, carol, platform_terms):
    published_terms(by=carol, title="Terms of access, 2027")
    with pytest.raises(ValidationError, match="Only the current version"):
        services.terms_accept(user=alice, version_ids=[platform_terms.pk], by=alice)
    draft = services.terms_version_create(kind=TermsKind.PLATFORM, gigafactory=None, by=carol, title="T", body="B")
    with pytest.raises(ValidationError):
        services.terms_accept(user=alice, version_ids=[draft.pk], by=alice)
    current = selectors.current_versions()[(TermsKind.PLATFORM, None)]
    with pytest.raises(PermissionDenied):
        services.terms_accept(user=alice, version_ids=[current.pk], by=mallory)
    assert not TermsAcceptance.objects.exists()


def test_publishing_numbers_versions_makes_the_last_current_and_is_audited(carol, gigafactory):
    first = published_terms(by=carol, gigafactory=gigafactory)
    draft = services.terms_version_create(
        kind=TermsKind.ACCEPTABLE_USE, gigafactory=gigafactory, by=carol, title="Policy", body="Text", changes="New."
    )
    assert (first.number, draft.number) == (1, 2)
    assert selectors.current_versions()[draft.document] == first  # a draft binds nobody
    services.terms_version_publish(version_id=draft.pk, by=carol)
    assert selectors.current_versions()[draft.document].pk == draft.pk
    with pytest.raises(ValidationError, match="already published"):
        services.terms_version_publish(version_id=draft.pk, by=carol)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.terms_version_update(version_id=draft.pk, by=carol, title="x", body="y")
    event = AuditEvent.objects.filter(object_type=ObjectType.TERMS, object_id=str(draft.pk)).get()
    assert (event.action, event.actor, event.changes) == ("terms.published", carol, {"number": 2, "replaces": 1})


def test_two_versions_of_a_document_cannot_share_a_number_or_a_publication_time(carol):
    version = published_terms(by=carol)
    with pytest.raises(IntegrityError), transaction.atomic():
        TermsVersion.objects.create(
            kind=TermsKind.PLATFORM, number=1, title="x", body="y", created_by=carol, status=TermsStatus.DRAFT
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TermsVersion.objects.create(
            kind=TermsKind.PLATFORM,
            number=2,
            title="x",
            body="y",
            created_by=carol,
            status=TermsStatus.PUBLISHED,
            published_at=version.published_at,
        )


def test_the_document_must_match_the_gigafactory(carol, gigafactory, alice):
    with pytest.raises(ValidationError):
        services.terms_version_create(kind=TermsKind.PLATFORM, gigafactory=gigafactory, by=carol, title="T", body="B")
    with pytest.raises(ValidationError):
        services.terms_version_create(kind=TermsKind.ACCEPTABLE_USE, gigafactory=None, by=carol, title="T", body="B")
    with pytest.raises(ValidationError) as missing:
        services.terms_version_create(
            kind=TermsKind.PLATFORM, gigafactory=None, by=carol, title="", body="", title_de="X"
        )
    assert set(missing.value.message_dict) == {"title", "body", "body_de"}
    with pytest.raises(PermissionDenied):
        services.terms_version_create(kind=TermsKind.PLATFORM, gigafactory=None, by=alice, title="T", body="B")


def test_a_translation_is_shown_in_its_language_and_english_otherwise(carol):
    version = published_terms(by=carol, title="Terms", body="English text.", title_de="Bedingungen", body_de="Text.")
    assert version.text_in("de") == ("de", "Bedingungen", "Text.")
    assert version.text_in("fr") == ("en", "Terms", "English text.")
