"""Reads of the call designer, for call managers (the views check the role)."""

from django.db.models import Count, Prefetch, Q, QuerySet

from allocations.models import Call, CallCutoff, CallEvent, CallStatus


def calls_for_designer() -> dict[str, list[Call]]:
    """Every call by status (draft, published, closed), newest first, with their counts. Three queries."""
    calls = (
        Call.objects.select_related("access_mode")
        .prefetch_related(Prefetch("cutoffs", queryset=CallCutoff.objects.order_by("at")))
        .annotate(
            application_count=Count("applications", filter=~Q(applications__status="draft"), distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    grouped: dict[str, list[Call]] = {status: [] for status in CallStatus.values}
    for call in calls:
        grouped[call.status].append(call)
    return grouped


def call_for_designer(*, slug: str) -> Call:
    """One call with what the designer page shows; ``Call.DoesNotExist`` otherwise."""
    return (
        Call.objects.select_related("access_mode", "cloned_from")
        .prefetch_related(
            "gigafactories",
            "criteria",
            Prefetch("cutoffs", queryset=CallCutoff.objects.order_by("at")),
        )
        .get(slug=slug)
    )


def call_events(*, call: Call) -> QuerySet[CallEvent]:
    return CallEvent.objects.filter(call=call).select_related("actor").order_by("-created_at", "-id")
