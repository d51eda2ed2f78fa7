"""Reads for final reports.

Who sees what: members of the applicant organisation see the reports of its awards (only the application's PI
writes them); call managers and allocation admins see every report (staff pages, MFA); other platform staff get
403 on the staff pages; everybody else 404. The public sees the publications of submitted reports on the awards
register, except for calls whose awards are confidential.
"""

import datetime

from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest

from accounts.models import User
from accounts.roles import PlatformRole, has_role, is_platform_staff
from allocations.models import Application
from allocations.models.capacity import Award, Grant, GrantStatus
from allocations.models.reports import FinalReport, Publication, ReleasedOutput, ReportStatus

# Slices whose offer was taken: their award owes a report. Declined and expired awards owe nothing.
ACCEPTED = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)

STAFF_STATES = ("overdue", "due", "submitted")


def staff_access(user: User) -> str:
    """``"staff"`` for call managers and allocation admins (and superusers), ``"forbidden"`` for other platform
    staff (403), ``""`` for everybody else (404)."""
    if has_role(user, PlatformRole.CALL_MANAGER, PlatformRole.ALLOCATION_ADMIN):
        return "staff"
    if user.is_authenticated and is_platform_staff(user):
        return "forbidden"
    return ""


def _with_details(reports: QuerySet[FinalReport]) -> QuerySet[FinalReport]:
    return reports.select_related(
        "award__application__organisation", "award__application__pi", "award__application__call", "award__gigafactory"
    ).prefetch_related(
        Prefetch("publications", queryset=Publication.objects.order_by("position", "id")),
        Prefetch("outputs", queryset=ReleasedOutput.objects.order_by("position", "id")),
    )


def reports_for_member(*, user: User) -> QuerySet[FinalReport]:
    """Reports of the awards of ``user``'s organisations' applications, the earliest due first."""
    if not user.is_authenticated:
        return FinalReport.objects.none()
    member = Application.objects.filter(pk=OuterRef("award__application_id"), organisation__memberships__user=user)
    return _with_details(FinalReport.objects.filter(Exists(member))).order_by("due_on", "id")


def report_for_member(*, user: User, pk: int) -> FinalReport:
    """The report if ``user`` is a member of its applicant organisation; ``FinalReport.DoesNotExist`` otherwise."""
    return reports_for_member(user=user).get(pk=pk)


def report_for_reader(*, user: User, pk: int) -> FinalReport:
    """A member's report, or any report for call managers and allocation admins; ``DoesNotExist`` otherwise."""
    if staff_access(user) == "staff":
        return _with_details(FinalReport.objects.all()).get(pk=pk)
    return report_for_member(user=user, pk=pk)


def reports_for_staff(
    *, today: datetime.date, state: str = "", search: str = "", gigafactory: str = ""
) -> QuerySet[FinalReport]:
    """Every report for the staff list: ``state`` ``overdue`` (a draft past its due date), ``due`` (a draft not yet
    overdue) or ``submitted``; ``search`` in the reference, project title and organisation. The most overdue first,
    then by due date. Publications and outputs prefetched (three queries for a page)."""
    reports = FinalReport.objects.all()
    if state == "overdue":
        reports = reports.filter(status=ReportStatus.DRAFT, due_on__lt=today)
    elif state == "due":
        reports = reports.filter(status=ReportStatus.DRAFT, due_on__gte=today)
    elif state == "submitted":
        reports = reports.filter(status=ReportStatus.SUBMITTED)
    if search:
        reports = reports.filter(
            Q(award__application__reference__icontains=search)
            | Q(award__application__title__icontains=search)
            | Q(award__application__organisation__legal_name__icontains=search)
        )
    if gigafactory:
        reports = reports.filter(award__gigafactory__slug=gigafactory)
    return _with_details(reports).order_by("due_on", "id")


def awards_owing_a_report(*, today: datetime.date) -> QuerySet[Award]:
    """Accepted awards whose last slice has ended (its exclusive end on or before ``today``) and that have no report
    yet, each annotated with ``ends_before``: the later of the award's end and its last slice's end."""
    accepted = Grant.objects.filter(award_id=OuterRef("pk"), status__in=ACCEPTED)
    return (
        Award.objects.filter(Exists(accepted), final_report__isnull=True)
        .annotate(ends_before=Greatest(F("ends_on"), Max("slices__ends_on")))
        .filter(ends_before__lte=today)
        .order_by("pk")
    )


def award_end(award_id: int) -> datetime.date:
    """The exclusive end of an award: the later of its own end and its last slice's (an extension moves both)."""
    award = Award.objects.annotate(ends_before=Greatest(F("ends_on"), Max("slices__ends_on"))).get(pk=award_id)
    return award.ends_before


def draft_reports() -> QuerySet[FinalReport]:
    return FinalReport.objects.filter(status=ReportStatus.DRAFT).select_related(
        "award__application__pi", "award__application__created_by"
    )


def public_publications(*, award_ids) -> dict[int, list[Publication]]:
    """Publications of the submitted reports of ``award_ids`` by award, leaving out calls whose awards are
    confidential (decided in SQL, so nothing of them leaves the database). One query."""
    publications = (
        Publication.objects.filter(
            report__award_id__in=award_ids,
            report__status=ReportStatus.SUBMITTED,
            report__award__application__call__awards_confidential=False,
        )
        .annotate(award_id=F("report__award_id"))
        .order_by("report_id", "position", "id")
    )
    by_award: dict[int, list[Publication]] = {}
    for publication in publications:
        by_award.setdefault(publication.award_id, []).append(publication)
    return by_award


def reports_due(*, user: User) -> QuerySet[FinalReport]:
    """Draft final reports of awards whose principal investigator is ``user`` (who writes them), earliest due first."""
    return (
        FinalReport.objects.filter(status=ReportStatus.DRAFT, award__application__pi=user)
        .select_related("award__application")
        .order_by("due_on", "id")
    )
