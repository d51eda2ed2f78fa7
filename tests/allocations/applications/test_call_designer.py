"""The call designer's services: every validation rule, publishing once, what may change after publishing,
cloning, cut-off extension, and the audit events."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from allocations.applications.calls import services as designer
from allocations.models import Call, CallEvent, CallEventKind, CallFormVersion, CallStatus, QuestionKind
from tests.factories import GigafactoryFactory
from tests.factories.allocations import access_mode

NOW = timezone.now()
RUBRIC = [
    {"name": "Excellence", "weight": 2, "threshold": 3},
    {"name": "Impact", "weight": 1, "threshold": 3},
]


def values(**overrides) -> dict:
    return {
        "title": "Large Scale: climate models 2027",
        "summary": "Train climate emulators.",
        "description": "## Scope\n\nClimate.",
        "access_mode": access_mode("large-scale"),
        "opens_at": NOW + dt.timedelta(days=1),
        "score_min": 0,
        "score_max": 5,
        **overrides,
    }


def make(carol, **kwargs) -> Call:
    return designer.call_create(
        by=carol,
        values=values(**kwargs.pop("values", {})),
        gigafactories=kwargs.pop("gigafactories", None) or [GigafactoryFactory()],
        cutoffs=kwargs.pop("cutoffs", [NOW + dt.timedelta(days=30), NOW + dt.timedelta(days=60)]),
        criteria=kwargs.pop("criteria", RUBRIC),
        now=NOW,
    )


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def draft_call(carol):
    return make(carol)


@pytest.fixture
def published(carol, draft_call):
    return designer.call_publish(call_id=draft_call.pk, by=carol, now=NOW)


def test_create_writes_a_draft_and_an_event(carol, draft_call):
    assert draft_call.status == CallStatus.DRAFT
    assert draft_call.slug == "large-scale-climate-models-2027"
    assert [c.name for c in draft_call.criteria.all()] == ["Excellence", "Impact"]
    assert CallEvent.objects.filter(call=draft_call, kind=CallEventKind.CREATED, actor=carol).count() == 1


def test_only_call_managers_design_calls(alice, bob, db):
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            make(user)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cutoffs": [NOW - dt.timedelta(days=1)]}, "cutoffs"),
        ({"values": {"min_request_gpu_hours": 300_000, "max_request_gpu_hours": 100_000}}, "max_request_gpu_hours"),
        ({"criteria": [{"name": "Excellence", "weight": 0, "threshold": 3}]}, "criteria"),
        ({"criteria": [{"name": "Excellence", "weight": 1, "threshold": 6}]}, "criteria"),
        ({"values": {"score_min": 1}, "criteria": [{"name": "E", "weight": 1, "threshold": 0}]}, "criteria"),
        (
            {"criteria": [{"name": "E", "weight": 1, "threshold": 3}, {"name": "e", "weight": 1, "threshold": 3}]},
            "criteria",
        ),
        ({"values": {"score_min": 2}}, "score_min"),
        ({"values": {"allowed_durations_months": [3, 0]}}, "allowed_durations_months"),
        ({"values": {"title": " "}}, "title"),
        ({"values": {"reply_window_days": 0}}, "reply_window_days"),
    ],
    ids=[
        "past-cutoff",
        "min-above-max",
        "weight-zero",
        "threshold-above-scale",
        "threshold-below-scale",
        "criterion-twice",
        "scale",
        "duration",
        "title",
        "reply-window",
    ],
)
def test_create_refuses_bad_settings_with_a_field_error(carol, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        make(carol, **kwargs)
    assert field in errors_of(excinfo)
    assert not Call.objects.exists()


def test_at_least_one_gigafactory(carol):
    with pytest.raises(ValidationError) as excinfo:
        designer.call_create(by=carol, values=values(), gigafactories=[], now=NOW)
    assert errors_of(excinfo)["gigafactories"] == ["Choose at least one Gigafactory."]


def test_cutoffs_must_be_in_order_and_in_the_future(carol, draft_call):
    first, second = NOW + dt.timedelta(days=10), NOW + dt.timedelta(days=20)
    with pytest.raises(ValidationError) as excinfo:
        designer.call_set_cutoffs(
            call_id=draft_call.pk, by=carol, cutoffs=[first, NOW - dt.timedelta(hours=1)], now=NOW
        )
    assert "in the past" in errors_of(excinfo)["cutoffs"][0]
    designer.call_set_cutoffs(call_id=draft_call.pk, by=carol, cutoffs=[second, first], now=NOW)
    assert list(draft_call.cutoffs.values_list("at", flat=True)) == [first, second]
    assert "must come after cut-off 1" in designer.rules.cutoff_errors([second, first], now=NOW)[0]


def test_publish_freezes_version_one_and_is_audited(carol, draft_call):
    designer.question_save(
        call_id=draft_call.pk, by=carol, values={"kind": QuestionKind.YES_NO, "label": "Open weights?"}
    )
    call = designer.call_publish(call_id=draft_call.pk, by=carol, now=NOW)
    assert call.status == CallStatus.PUBLISHED and call.form_version == 1
    version = CallFormVersion.objects.get(call=call)
    assert [q["label"] for q in version.questions] == ["Open weights?"]
    assert CallEvent.objects.filter(call=call, kind=CallEventKind.PUBLISHED).count() == 1


def test_cannot_publish_twice(carol, published):
    with pytest.raises(ValidationError, match="cannot be published twice"):
        designer.call_publish(call_id=published.pk, by=carol, now=NOW)
    assert CallFormVersion.objects.filter(call=published).count() == 1


def test_publish_checks_every_rule_again(carol):
    call = make(carol, cutoffs=[], criteria=[])
    with pytest.raises(ValidationError) as excinfo:
        designer.call_publish(call_id=call.pk, by=carol, now=NOW)
    assert {"cutoffs", "criteria"} <= set(errors_of(excinfo))
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT


def test_publish_refuses_a_cutoff_that_has_passed_meanwhile(carol, draft_call):
    later = NOW + dt.timedelta(days=45)
    with pytest.raises(ValidationError) as excinfo:
        designer.call_publish(call_id=draft_call.pk, by=carol, now=later)
    assert "in the past" in errors_of(excinfo)["cutoffs"][0]


def test_after_publishing_the_rubric_is_refused_with_a_reason(carol, published):
    with pytest.raises(ValidationError) as excinfo:
        designer.call_set_criteria(
            call_id=published.pk, by=carol, criteria=[{"name": "New", "weight": 1, "threshold": 2}]
        )
    assert "rubric cannot change after publishing" in errors_of(excinfo)["criteria"][0]
    assert [c.name for c in published.criteria.all()] == ["Excellence", "Impact"]


def test_after_publishing_only_description_and_summary_change(carol, published):
    with pytest.raises(ValidationError) as excinfo:
        designer.call_update(
            call_id=published.pk, by=carol, values={"max_request_gpu_hours": 10, "description": "New text"}
        )
    assert "only its description, summary and cut-offs may change" in errors_of(excinfo)["max_request_gpu_hours"][0]
    published.refresh_from_db()
    assert published.description == "## Scope\n\nClimate."
    designer.call_update(call_id=published.pk, by=carol, values={"description": "New text"})
    published.refresh_from_db()
    assert published.description == "New text"
    event = CallEvent.objects.filter(call=published, kind=CallEventKind.UPDATED).get()
    assert event.detail == {"fields": ["description"]}


def test_after_publishing_the_gigafactories_are_refused(carol, published):
    with pytest.raises(ValidationError) as excinfo:
        designer.call_update(call_id=published.pk, by=carol, values={}, gigafactories=[GigafactoryFactory()])
    assert "gigafactories" in errors_of(excinfo)


def test_extend_a_cutoff_is_audited_and_bounded_by_the_next(carol, published):
    first, second = list(published.cutoffs.order_by("at"))
    with pytest.raises(ValidationError) as excinfo:
        designer.call_extend_cutoff(call_id=published.pk, cutoff_id=first.pk, new_at=second.at, by=carol, now=NOW)
    assert "before the next cut-off" in errors_of(excinfo)["new_at"][0]
    with pytest.raises(ValidationError):
        designer.call_extend_cutoff(
            call_id=published.pk, cutoff_id=first.pk, new_at=first.at - dt.timedelta(days=1), by=carol, now=NOW
        )
    new_at = first.at + dt.timedelta(days=7)
    designer.call_extend_cutoff(call_id=published.pk, cutoff_id=first.pk, new_at=new_at, by=carol, now=NOW)
    first.refresh_from_db()
    assert first.at == new_at
    event = CallEvent.objects.get(call=published, kind=CallEventKind.CUTOFF_EXTENDED)
    assert event.actor == carol and event.detail["after"] == new_at.isoformat()


def test_a_passed_cutoff_cannot_be_extended(carol, published):
    first = published.cutoffs.order_by("at").first()
    with pytest.raises(ValidationError, match="has passed"):
        designer.call_extend_cutoff(
            call_id=published.pk,
            cutoff_id=first.pk,
            new_at=first.at + dt.timedelta(days=2),
            by=carol,
            now=first.at + dt.timedelta(days=1),
        )


def test_close_early_then_nothing_changes(carol, published):
    designer.call_close(call_id=published.pk, by=carol, now=NOW)
    published.refresh_from_db()
    assert published.status == CallStatus.CLOSED
    with pytest.raises(ValidationError, match="closed"):
        designer.call_update(call_id=published.pk, by=carol, values={"description": "x"})
    with pytest.raises(ValidationError, match="Only a published call can be closed"):
        designer.call_close(call_id=published.pk, by=carol, now=NOW)


def test_clone_copies_settings_rubric_questions_and_slots(carol, published):
    designer.question_save(call_id=published.pk, by=carol, values={"kind": QuestionKind.SHORT_TEXT, "label": "Model?"})
    designer.slot_save(call_id=published.pk, by=carol, values={"name": "CV of the PI", "max_size_mb": 5})
    clone = designer.call_clone(source_id=published.pk, by=carol, title="Climate models 2028", now=NOW)
    assert clone.status == CallStatus.DRAFT and clone.form_version == 0 and clone.cloned_from == published
    assert clone.slug == "climate-models-2028"
    assert [c.name for c in clone.criteria.all()] == ["Excellence", "Impact"]
    assert [q.label for q in clone.questions.all()] == ["Model?"]
    assert [(s.name, s.max_size_mb) for s in clone.document_slots.all()] == [("CV of the PI", 5)]
    assert set(clone.gigafactories.all()) == set(published.gigafactories.all())
    assert CallEvent.objects.filter(call=clone, kind=CallEventKind.CLONED).count() == 1


def test_clone_with_a_taken_slug_is_a_field_error(carol, published):
    with pytest.raises(ValidationError) as excinfo:
        designer.call_clone(source_id=published.pk, by=carol, title="x", slug=published.slug, now=NOW)
    assert "slug" in errors_of(excinfo)


def test_call_events_are_append_only(carol, draft_call):
    event = CallEvent.objects.filter(call=draft_call).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        CallEvent.objects.filter(pk=event.pk).update(kind="closed")
    with pytest.raises(DatabaseError), transaction.atomic():
        CallEvent.objects.filter(pk=event.pk).delete()
