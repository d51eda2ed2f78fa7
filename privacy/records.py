"""Records a person created or decided in a staff part (or as a PI adding team members): one generic table.

Each row names the kind of record, its id, the person's part (the field's name) and when; the record's own
content stays where it is, readable by the person's role in the portal.
"""

from django.db import models

from privacy.registry import reference_field

RECORD_REFERENCES: tuple[str, ...] = (
    "admin.LogEntry.user",
    "allocations.AllocationRun.created_by",
    "allocations.AllocationRun.decided_by",
    "allocations.Award.created_by",
    "allocations.CallEvent.actor",
    "allocations.CallFormVersion.published_by",
    "allocations.CapacityPeriod.created_by",
    "allocations.ChangeRequest.decided_by",
    "allocations.ClusterToken.created_by",
    "allocations.GrantMember.added_by",
    "allocations.TermsVersion.created_by",
    "allocations.TermsVersion.published_by",
    "allocations.UsageImport.created_by",
    "ledger.Transfer.created_by",
    "reviews.CallMatchingSetting.updated_by",
    "reviews.EligibilityCheck.checked_by",
    "reviews.PanelDecision.decided_by",
    "reviews.RankMove.moved_by",
    "reviews.ReviewAssignment.assigned_by",
)


def _when(instance: models.Model):
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.DateTimeField):
            return getattr(instance, field.attname)
    return None


def records_rows(user) -> list[dict]:
    rows = []
    for reference in RECORD_REFERENCES:
        model, field = reference_field(reference)
        for instance in model.objects.filter(**{field.name: user}).order_by("pk"):
            rows.append(
                {
                    "record": str(model._meta.verbose_name),
                    "id": instance.pk,
                    "your_part": str(field.verbose_name),
                    "at": _when(instance),
                }
            )
    return rows
