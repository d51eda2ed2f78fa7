import pytest
from django.core import mail
from django.db import transaction

from portal.emails import queue_email
from portal.tasks import heartbeat
from tests.conftest import wait_for


@pytest.mark.celery
def test_queued_email_is_sent_by_the_worker_after_commit(celery_worker):
    with transaction.atomic():
        queue_email(to=["alice@aurora-ai.eu"], subject="Hello", body="Body")
        assert mail.outbox == []  # nothing leaves before commit
    wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].subject == "Hello"


@pytest.mark.django_db(transaction=True)
def test_email_of_a_rolled_back_transaction_is_never_queued(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                queue_email(to=["alice@aurora-ai.eu"], subject="Hello", body="Body")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []


def test_heartbeat_records_a_timestamp(db):
    from django.core.cache import cache

    stamp = heartbeat()
    assert cache.get("celery:heartbeat") == stamp
