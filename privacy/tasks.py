import datetime as dt

from celery import shared_task

from privacy.retention import retention_apply


@shared_task(name="privacy.apply_retention")
def apply_retention(now: str | None = None) -> dict:
    """Beat, daily: deletes stale drafts and unconfirmed sign-ups (``privacy.retention``). ``now``: ISO 8601."""
    result = retention_apply(now=dt.datetime.fromisoformat(now) if now else None)
    return {"drafts_deleted": result.drafts_deleted, "signups_deleted": result.signups_deleted}
