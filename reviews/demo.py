"""Demo data of the review stage; ``python manage.py seed_demo`` calls ``seed`` after the accounts and
allocations demos.

Reviewer profiles for bob and three more reviewers; a submitted Large Scale application of Nordlys Analytics
(when its owner exists); every submitted demo application checked by carol: Playground ones go to the panel,
the others get reviewers, and the reviewers other than bob submit their reviews (bob's stays for him to do).
Idempotent: what exists is left alone. Missing users, organisations or calls are skipped with a note.
Only demo-owned applications (created by a demo user, ``@demo.gigafactory.eu``) are touched: applications people
submitted on a demo site are left to the people who check and review them.
"""

import datetime as dt
import io

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.roles import PlatformRole
from allocations.models import AIDomain, Application, Call, Status
from reviews import selectors, services
from reviews.models import AssignmentStatus, EligibilityCheck, Publication, ReviewAssignment, ReviewerProfile

BOB = "bob@demo.gigafactory.eu"
CAROL = "carol@demo.gigafactory.eu"
NORA = "nora@demo.gigafactory.eu"
DEMO_DOMAIN = "@demo.gigafactory.eu"

# (email, name, affiliation legal name, expertise, keywords, max load)
REVIEWERS = [
    (BOB, "Bob Ribeiro", "Universidade do Tejo", [AIDomain.LANGUAGE, AIDomain.SCIENCE], ["LLM", "speech"], 6),
    ("rita@demo.gigafactory.eu", "Rita Kovács", None, [AIDomain.LANGUAGE], ["LLM", "evaluation"], 5),
    ("sven@demo.gigafactory.eu", "Sven Lindqvist", None, [AIDomain.VISION, AIDomain.ROBOTICS], ["robotics"], 4),
    ("tomas@demo.gigafactory.eu", "Tomás Ortega", None, [AIDomain.CLIMATE, AIDomain.SCIENCE], ["weather"], 4),
]

# Research interests and a recent publication: what the text affinities match against.
INTERESTS = {
    BOB: (
        "Multilingual speech and language models for low-resource European languages; open evaluation suites.",
        "Open speech recognition for low-resource European languages",
    ),
    "rita@demo.gigafactory.eu": (
        "Evaluation of large language models: benchmarks, contamination, multilingual tests.",
        "Contamination-aware evaluation of large language models",
    ),
    "sven@demo.gigafactory.eu": (
        "Vision-language models for robot manipulation and embodied agents.",
        "Learning dexterous manipulation from video",
    ),
    "tomas@demo.gigafactory.eu": (
        "Machine-learned weather and climate emulators, data assimilation.",
        "Neural emulators of regional climate models",
    ),
}

REVIEW_TEXTS = [
    ([4, 4, 3], "A credible plan with a clear open-weights commitment. The impact section could quantify users."),
    ([3, 4, 4], "Scaling evidence is convincing up to 512 GPUs; please justify the jump to the requested size."),
]


def _reviewer(email: str, name: str, password_hash: str, group: Group) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": name, "password": password_hash})
    user.groups.add(group)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


def _profiles(stdout) -> dict[str, User]:
    from accounts.demo import DEMO_PASSWORD

    group, _ = Group.objects.get_or_create(name=PlatformRole.REVIEWER)
    password_hash = make_password(DEMO_PASSWORD)
    users = {}
    for email, name, affiliation, expertise, keywords, load in REVIEWERS:
        user, created = _reviewer(email, name, password_hash, group)
        organisation = Organisation.objects.filter(legal_name=affiliation).first() if affiliation else None
        _profile, new = ReviewerProfile.objects.get_or_create(
            user=user,
            defaults={
                "expertise": expertise,
                "keywords": keywords,
                "organisation": organisation,
                "max_load_per_call": load,
                "research_interests": INTERESTS[email][0],
            },
        )
        if not Publication.objects.filter(user=user).exists():
            Publication.objects.create(user=user, title=INTERESTS[email][1], year=2026)
        if created or new:
            stdout.write(f"  Reviewer {name}")
        users[email] = user
    return users


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _large_scale_application(stdout) -> None:
    """A submitted Large Scale application of Nordlys Analytics, so that reviewers have something to review."""
    from allocations.applications import services as application_services
    from allocations.applications.demo_form import answer_call_form

    nora = User.objects.filter(email=NORA).first()
    organisation = Organisation.objects.filter(memberships__user=nora).first() if nora else None
    call = Call.objects.filter(slug="large-scale-demo").first()
    if nora is None or organisation is None or call is None:
        stdout.write("  nora, her organisation or the Large Scale demo call missing: no extra application")
        return
    if Application.objects.filter(call=call, organisation=organisation).exists():
        return
    draft = application_services.application_create(call=call, organisation=organisation, by=nora)
    application_services.application_update(
        application_id=draft.pk,
        by=nora,
        changes={
            "project": (
                0,
                {
                    "title": "Nordlys-Fjord: a Norwegian-Sámi language model",
                    "acronym": "FJORD",
                    "abstract": "Pre-training an open 8B-parameter model for Norwegian and the Sámi languages.",
                    "ai_domain": AIDomain.LANGUAGE,
                    "keywords": ["LLM", "Sámi", "low-resource languages"],
                },
            ),
            "resources": (
                0,
                {
                    "requested_gpu_hours": 180_000,
                    "minimum_gpu_hours": 120_000,
                    "preferred_gigafactory": call.gigafactories.first(),
                    "start_month": (timezone.localdate().replace(day=1) + dt.timedelta(days=62)).replace(day=1),
                    "duration_months": 6,
                    "largest_job_gpus": 512,
                    "storage_tb": 80,
                    "software_stack": "PyTorch 2.6, Megatron-LM, Slurm",
                    "scaling_evidence": "Weak scaling to 256 GPUs at 89 % efficiency on LUMI-G.",
                },
            ),
            "ethics": (
                0,
                {
                    "data_sources": "National Library of Norway corpus under licence; Sámi Parliament texts.",
                    "personal_data": False,
                    "ethics_self_assessment": "No personal data; community consultation with Sámi institutions.",
                    "dual_use": False,
                    "open_science_commitment": "Open weights under Apache-2.0.",
                },
            ),
        },
    )
    pdf = _pdf()
    if draft.form_version_id and draft.form_version.document_slots:
        answer_call_form(application_id=draft.pk, by=nora, pdf=pdf)
    else:
        for kind, name in (("technical_annex", "technical-annex.pdf"), ("cv", "cv-nora.pdf")):
            application_services.attachment_add(
                application_id=draft.pk,
                kind=kind,
                upload=SimpleUploadedFile(name, pdf, content_type="application/pdf"),
                by=nora,
            )
    application_services.application_submit(application_id=draft.pk, by=nora, declaration=True)
    stdout.write(f"  Application Nordlys-Fjord of {organisation} submitted")


def _walk_submitted(stdout, carol: User, reviewers: dict[str, User]) -> None:
    demo_owned = Application.objects.filter(created_by__email__endswith=DEMO_DOMAIN)
    if EligibilityCheck.objects.filter(application__in=demo_owned).exists():
        # Walked once already: what the demo submitted since (its history) is left as it was told.
        return
    for application in demo_owned.filter(status=Status.SUBMITTED).select_related("call__access_mode"):
        if EligibilityCheck.objects.filter(application=application).exists():
            continue
        services.eligibility_check_record(
            application_id=application.pk,
            by=carol,
            country_eligible=True,
            organisation_type_eligible=True,
            request_within_bounds=True,
            software_runs=True,
            scaling_adequate=True,
        )
        stdout.write(f"  {application.reference}: eligible")
    in_review = list(demo_owned.filter(status=Status.IN_REVIEW).values_list("pk", flat=True))
    for call in Call.objects.filter(applications__pk__in=in_review).distinct():
        suggestion = selectors.assignment_suggestion(call=call, application_ids=in_review)
        if suggestion:
            pairs = [(s.application.pk, s.reviewer.pk) for s in suggestion]
            created = services.assignments_create(pairs=pairs, by=carol)
            stdout.write(f"  {call}: {len(created)} reviewers assigned")
    bob = reviewers.get(BOB)
    pending = ReviewAssignment.objects.filter(
        status=AssignmentStatus.PENDING, application__status=Status.IN_REVIEW, application__pk__in=in_review
    ).select_related("reviewer", "application__call")
    for n, assignment in enumerate(pending.exclude(reviewer=bob).order_by("pk")):
        services.assignment_accept(assignment_id=assignment.pk, by=assignment.reviewer, no_conflict=True)
        scores, comment = REVIEW_TEXTS[n % len(REVIEW_TEXTS)]
        criteria = list(assignment.application.call.criteria.order_by("position", "id"))
        review = services.review_save(
            assignment_id=assignment.pk,
            by=assignment.reviewer,
            scores={str(c.pk): scores[i % len(scores)] for i, c in enumerate(criteria)},
            comment_for_applicant=comment,
            comment_for_panel="Recommend funding if capacity allows.",
        )
        services.review_submit(review_id=review.pk, by=assignment.reviewer)
        stdout.write(f"  {assignment.application.reference}: review submitted by {assignment.reviewer}")


def seed(stdout) -> None:
    """Reviewer profiles, then checks, assignments and reviews on the submitted demo applications."""
    with transaction.atomic():
        reviewers = _profiles(stdout)
        carol = User.objects.filter(email=CAROL).first()
        if carol is None:
            stdout.write("  carol missing: no checks or assignments")
            return
        _large_scale_application(stdout)
        _walk_submitted(stdout, carol, reviewers)
