"""The periodic tasks, declared in code (``CELERY_BEAT_SCHEDULE`` in settings): tasks are named by their explicit
Celery names, so the whole schedule reads in one place."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "portal.heartbeat", "schedule": 60.0},
    # Outbox messages the broker missed at their commit (it was down) go out within about a minute of its return.
    "portal-relay-outbox": {"task": "portal.relay_outbox", "schedule": 30.0},
}
# Apps add their periodic tasks here, next to this one, so the whole schedule reads in one place.
BEAT_SCHEDULE.update(
    {
        "accounts-purge-expired-invitations": {
            "task": "accounts.purge_expired_invitations",
            "schedule": crontab(hour=3, minute=17),
        },
        "allocations-draft-reminders": {
            "task": "allocations.applications.send_draft_reminders",
            "schedule": crontab(minute=5),
        },
        "reviews-review-reminders": {
            "task": "reviews.send_review_reminders",
            "schedule": crontab(minute=35),
        },
        "reviews-close-expired-reply-windows": {
            "task": "reviews.close_expired_reply_windows",
            "schedule": 600.0,
        },
        "ledger-void-expired-pending-transfers": {
            "task": "ledger.void_expired_pending_transfers",
            "schedule": 300.0,
        },
        "allocations-expire-offers": {"task": "allocations.capacity.expire_offers", "schedule": 900.0},
        "allocations-activate-grants": {
            "task": "allocations.capacity.activate_grants",
            "schedule": crontab(minute=10),
        },
        # Work whose worker was lost (killed, host restarted) is queued again or failed with a reason.
        "allocations-sweep-stale-runs": {"task": "allocations.capacity.sweep_stale_runs", "schedule": 120.0},
        "allocations-sweep-stuck-imports": {"task": "allocations.usage.sweep_stuck_imports", "schedule": 300.0},
        "allocations-reclaim-unused-hours": {
            "task": "allocations.usage.reclaim_ended_periods",
            "schedule": crontab(hour=2, minute=30),
        },
        "allocations-alert-silent-clusters": {"task": "allocations.usage.alert_silent_clusters", "schedule": 300.0},
        # Personal data: stale drafts and unconfirmed sign-ups are deleted (privacy.retention).
        "privacy-apply-retention": {"task": "privacy.apply_retention", "schedule": crontab(hour=3, minute=41)},
        "allocations-final-report-reminders": {
            "task": "allocations.postaward.send_final_report_reminders",
            "schedule": crontab(minute=20),
        },
        "allocations-refresh-usage-summary": {
            "task": "allocations.dashboards.refresh_usage_summary",
            "schedule": 300.0,
        },
    }
)
