from celery import shared_task

from reviews import services


@shared_task(name="reviews.send_review_reminders")
def send_review_reminders() -> int:
    """Beat, hourly: remind reviewers 3 days before the due date and when overdue (each reminder once)."""
    return services.review_reminders_send()


@shared_task(name="reviews.close_expired_reply_windows")
def close_expired_reply_windows() -> int:
    """Beat, every 10 minutes: applications whose reply deadline passed go to the panel."""
    return services.reply_windows_close()


@shared_task(name="reviews.matching.compute_affinities")
def compute_affinities(call_id: int) -> str:
    """The call's text affinities (TF-IDF cosine blended with domain matches); skipped when the texts are unchanged."""
    return services.affinities_compute(call_id=call_id).content_hash
