"""Applications the person is on: the text, grants, final reports, files, history and replies."""

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models import Application, ApplicationEvent, Attachment, AttachmentDownload, FinalReport, Grant
from privacy.sections.common import Rows, actor_part, my_applications, team_of
from reviews.models import (
    RightToReply,
)

APPLICATION_FIELDS = (
    "title",
    "acronym",
    "abstract",
    "ai_domain",
    "keywords",
    "requested_gpu_hours",
    "minimum_gpu_hours",
    "start_month",
    "duration_months",
    "largest_job_gpus",
    "storage_tb",
    "software_stack",
    "scaling_evidence",
    "data_sources",
    "personal_data",
    "personal_data_legal_basis",
    "ethics_self_assessment",
    "dual_use",
    "dual_use_details",
    "open_science_commitment",
    "answers",
)


def _parts(application: Application, user: User) -> list[str]:
    parts = []
    if application.pi_id == user.pk:
        parts.append(_("principal investigator"))
    if application.created_by_id == user.pk:
        parts.append(_("created it"))
    for member in application.members.all():
        if member.user_id == user.pk or member.email.lower() == user.email.lower():
            parts.append(_("team member (%(role)s)") % {"role": member.get_role_display()})
    if any(m.user_id == user.pk for m in application.grant_members.all()):
        parts.append(_("member of the grant's team"))
    return parts


def application_rows(user: User) -> Rows:
    applications = my_applications(user).select_related("call", "organisation")
    return [
        {
            "id": a.pk,
            "reference": a.reference,
            "call": a.call.title,
            "organisation": a.organisation.legal_name,
            "status": a.get_status_display(),
            "your_part": _parts(a, user),
            "created_at": a.created_at,
            "submitted_at": a.submitted_at,
            **{name: getattr(a, name) for name in APPLICATION_FIELDS},
        }
        for a in applications.prefetch_related("members", "grant_members")
    ]


def grant_rows(user: User) -> Rows:
    grants = Grant.objects.filter(Q(application__in=my_applications(user)) | Q(responded_by=user)).distinct()
    teams = {a.pk: team_of(a) for a in my_applications(user).prefetch_related("members", "grant_members")}
    return [
        {
            "application": g.application.reference,
            "gigafactory": g.gigafactory.name,
            "slurm_account": g.slurm_account,
            "granted_gpu_hours": g.granted_hours,
            "starts_on": g.starts_on,
            "ends_before": g.ends_on,
            "status": g.get_status_display(),
            "answered_at": g.responded_at,
            "answered_by": actor_part(g.responded_by_id, user=user, team=teams.get(g.application_id, set()))
            if g.responded_by_id
            else "",
        }
        for g in grants.select_related("application", "gigafactory").order_by("pk")
    ]


def final_report_rows(user: User) -> Rows:
    reports = FinalReport.objects.filter(
        Q(award__application__in=my_applications(user)) | Q(submitted_by=user)
    ).distinct()
    return [
        {
            "application": r.award.application.reference,
            "due_on": r.due_on,
            "status": r.get_status_display(),
            "achievements": r.achievements,
            "hours_usage": r.hours_usage,
            "acknowledgement_confirmed": r.acknowledgement_confirmed,
            "publications": "; ".join(p.doi for p in r.publications.all()),
            "released_outputs": "; ".join(o.url for o in r.outputs.all()),
            "submitted_at": r.submitted_at,
            "submitted_by": actor_part(r.submitted_by_id, user=user, team=team_of(r.award.application))
            if r.submitted_by_id
            else "",
        }
        for r in reports.select_related("award__application")
        .prefetch_related("publications", "outputs", "award__application__members")
        .prefetch_related("award__application__grant_members")
        .order_by("pk")
    ]


def attachment_rows(user: User) -> Rows:
    return [
        {
            "application": a.application.reference or a.application.display_title,
            "kind": a.get_kind_display(),
            "file_name": a.original_name,
            "size_bytes": a.size,
            "sha256": a.sha256,
            "uploaded_at": a.uploaded_at,
        }
        for a in Attachment.objects.filter(uploaded_by=user).select_related("application").order_by("pk")
    ]


def download_rows(user: User) -> Rows:
    downloads = AttachmentDownload.objects.filter(user=user).select_related("application", "attachment")
    return [
        {
            "application": d.application.reference or d.application.display_title,
            "file_name": d.attachment.original_name if d.attachment else "",
            "as": d.get_role_display(),
            "downloaded_at": d.downloaded_at,
        }
        for d in downloads.order_by("pk")
    ]


def application_event_rows(user: User) -> Rows:
    """Every transition of the applications the person is on, and every one they made elsewhere."""
    teams = {a.pk: team_of(a) for a in my_applications(user).prefetch_related("members", "grant_members")}
    events = ApplicationEvent.objects.filter(Q(application_id__in=teams) | Q(actor=user)).select_related("application")
    return [
        {
            "application": e.application.reference or e.application.display_title,
            "action": e.get_action_display(),
            "from": e.get_from_status_display(),
            "to": e.get_to_status_display(),
            "by": actor_part(e.actor_id, user=user, team=teams.get(e.application_id, set())),
            "comment": e.comment if e.actor_id == user.pk else "",
            "at": e.created_at,
        }
        for e in events.order_by("created_at", "pk")
    ]


def reply_rows(user: User) -> Rows:
    replies = RightToReply.objects.filter(replied_by=user).select_related("application").order_by("pk")
    return [{"application": r.application.reference, "reply": r.text, "replied_at": r.replied_at} for r in replies]
