"""Draft reminders 7 days and 1 day before the cut-off, each once; the demo seed."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from allocations.applications import services
from allocations.applications.tasks import send_draft_reminders
from allocations.models import Application, Call, DraftReminder, Gigafactory, Status
from tests.conftest import wait_for
from tests.factories import ApplicationFactory, CallFactory, MembershipFactory, OrganisationFactory, UserFactory


def test_reminders_7_days_and_1_day_before_each_once(alice, alice_org, django_capture_on_commit_callbacks):
    now = timezone.now()
    cutoff_at = now + dt.timedelta(days=6, hours=12)
    call = CallFactory(cutoffs=[cutoff_at])
    draft = ApplicationFactory(call=call, organisation=alice_org, created_by=alice)
    far = ApplicationFactory(
        call=CallFactory(cutoffs=[now + dt.timedelta(days=20)]), organisation=alice_org, created_by=alice
    )

    with django_capture_on_commit_callbacks() as callbacks:
        assert services.draft_reminders_send(now=now) == 1
        assert services.draft_reminders_send(now=now) == 0  # the beat task ran twice: nothing new
        assert services.draft_reminders_send(now=now + dt.timedelta(days=2)) == 0  # still the 7-day window
    assert len(callbacks) == 1
    assert list(DraftReminder.objects.values_list("application_id", "kind")) == [(draft.pk, "7d")]

    day_before = cutoff_at - dt.timedelta(hours=20)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.draft_reminders_send(now=day_before) == 1
        assert services.draft_reminders_send(now=day_before + dt.timedelta(hours=1)) == 0
    assert len(callbacks) == 1
    assert not DraftReminder.objects.filter(application=far).exists()


def test_submitted_applications_get_no_reminder(alice, alice_org):
    call = CallFactory(cutoffs=[timezone.now() + dt.timedelta(hours=10)])
    Application.objects.filter(pk=ApplicationFactory(call=call, organisation=alice_org, created_by=alice).pk).update(
        status=Status.WITHDRAWN
    )
    assert services.draft_reminders_send() == 0


@pytest.mark.celery
def test_beat_task_twice_sends_each_reminder_once(celery_worker, alice, alice_org):
    call = CallFactory(title="Fast Lane spring", cutoffs=[timezone.now() + dt.timedelta(hours=12)])
    colleague = UserFactory(email="kadri@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague)
    ApplicationFactory(call=call, organisation=alice_org, created_by=alice, pi=colleague, title="Draft one")
    mail.outbox.clear()
    assert send_draft_reminders.delay().get(timeout=15) == 1
    assert send_draft_reminders.delay().get(timeout=15) == 0
    wait_for(lambda: len(mail.outbox) >= 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["alice@aurora-ai.eu", "kadri@aurora-ai.eu"]
    assert "1 day" in message.subject and "Draft one" in message.body


def _carol():
    from accounts.roles import PlatformRole

    return UserFactory(email="carol@demo.gigafactory.eu", roles=[PlatformRole.CALL_MANAGER])


def test_demo_seed_is_idempotent(db, django_capture_on_commit_callbacks):
    _carol()
    alice = UserFactory(email="alice@demo.gigafactory.eu")
    organisation = OrganisationFactory(legal_name="Aurora AI OÜ", country="EE", type="startup")
    MembershipFactory(organisation=organisation, user=alice, role="owner")
    from allocations.demo import seed

    out = io.StringIO()
    with django_capture_on_commit_callbacks():
        seed(out)
        seed(out)
    assert Gigafactory.objects.count() == 4
    assert all(g.accelerator_count >= 90_000 for g in Gigafactory.objects.all())
    assert sorted(Call.objects.values_list("access_mode__code", flat=True)) == [
        "fast-lane",
        "large-scale",
        "playground",
    ]
    statuses = sorted(Application.objects.filter(organisation=organisation).values_list("status", flat=True))
    assert statuses == ["draft", "draft", "submitted"]
    # The calls are made by the designer's services: 2-3 questions and one required document each, published.
    for call in Call.objects.all():
        assert call.form_version == 1 and 2 <= call.questions.count() <= 3
        assert list(call.document_slots.filter(required=True).values_list("name", flat=True)) == ["Technical annex"]


def test_demo_seed_skips_applications_without_alice(db):
    from allocations.demo import seed

    _carol()
    out = io.StringIO()
    seed(out)
    assert Call.objects.count() == 3 and not Application.objects.exists()
    assert "missing" in out.getvalue()
