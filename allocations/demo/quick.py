"""The quick demo set of calls and applications; ``python manage.py seed_demo`` calls ``seed`` after the accounts demo.

Idempotent: running it again changes nothing. Skips the applications when alice or her organisation is missing.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from allocations.models import (
    AccessMode,
    AIDomain,
    Application,
    Call,
    Gigafactory,
    GigafactoryStatus,
)

GIGAFACTORIES = [
    ("Aurora Nord", "aurora-nord", "FI", "Kajaani", "NVIDIA GB300", 100_000, 92, GigafactoryStatus.OPERATIONAL),
    (
        "Rheinland AI Gigafactory",
        "rheinland",
        "DE",
        "Jülich",
        "NVIDIA Vera Rubin",
        104_000,
        90,
        GigafactoryStatus.OPERATIONAL,
    ),
    (
        "Iberia Compute",
        "iberia",
        "ES",
        "Móra la Nova",
        "AMD Instinct MI450",
        96_000,
        88,
        GigafactoryStatus.CONSTRUCTION,
    ),
    (
        "Mediterranean AI Gigafactory",
        "mediterranean",
        "IT",
        "Bologna",
        "NVIDIA GB300",
        100_000,
        90,
        GigafactoryStatus.PLANNED,
    ),
]

CRITERIA = [
    ("Excellence", "Scientific or technical quality and novelty of the work.", 2),
    ("Technical readiness", "Code, data and team ready to use the requested scale efficiently.", 1),
    ("Impact", "Benefit for European AI: open results, innovation, market or society.", 1),
]

DESCRIPTION = """This call offers **{mode}** access to the EU AI Gigafactories.

## Who can apply
Start-ups, SMEs, industry and public research organisations from EU member states and Horizon Europe associated
countries. Access is free of charge for start-ups, SMEs and public research.

## What to submit
* a project description, team and the resources you need;
* a technical annex with scaling evidence (PDF);
* a CV of the principal investigator (PDF).
"""


def _gigafactories(stdout) -> list[Gigafactory]:
    result = []
    for name, slug, country, site, model, count, availability, status in GIGAFACTORIES:
        gigafactory, created = Gigafactory.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "host_country": country,
                "site": site,
                "accelerator_model": model,
                "accelerator_count": count,
                "availability_percent": availability,
                "status": status,
            },
        )
        if created:
            stdout.write(f"  Gigafactory {name} ({country})")
        result.append(gigafactory)
    return result


# Each demo call asks 2-3 questions of its own and one required document, made through the designer's services;
# some questions sit in an existing step of the form (below its fields), the others in the "Call questions" step.
QUESTIONS = {
    "playground": [
        {"kind": "single_choice", "label": "Which framework will you use?", "choices": ["PyTorch", "JAX", "Other"]},
        {
            "kind": "number",
            "label": "Largest model you will train",
            "min_value": 0,
            "max_value": 2000,
            "unit": "billion parameters",
            "required": False,
        },
        {"kind": "url", "label": "Link to your code repository", "required": False},
    ],
    "fast-lane": [
        {"kind": "yes_no", "label": "Is the base model already trained?", "step": "project"},
        {"kind": "long_text", "label": "Describe your fine-tuning data", "word_limit": 200, "scientific": True},
    ],
    "large-scale": [
        {"kind": "yes_no", "label": "Will you publish the model weights?", "step": "ethics"},
        {"kind": "multiple_choice", "label": "Data modalities", "choices": ["Text", "Images", "Audio", "Video"]},
        {"kind": "date", "label": "Planned public release", "required": False},
    ],
}
ANNEX = {
    "name": "Technical annex",
    "help_text": "Scaling evidence and the work plan; at most 10 pages.",
    "max_size_mb": 10,
    "required": True,
}
DURATIONS = {"playground": [1, 2, 3], "fast-lane": [1, 2, 3], "large-scale": [3, 6, 12]}


def _calls(stdout, gigafactories: list[Gigafactory]) -> dict[str, Call]:
    from accounts.demo import CAROL
    from allocations.applications.calls import services as designer

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    carol = User.objects.filter(email=CAROL).first()
    calls = {}
    if carol is None:
        stdout.write("  the call manager carol is missing: no demo calls")
        return calls
    plans = [
        ("playground", "Playground: try out AI Gigafactory compute", True, [14, 28, 42, 56], gigafactories[:2]),
        ("fast-lane", "Fast Lane: fine-tuning and inference at scale", True, [10, 24, 38], gigafactories[:3]),
        ("large-scale", "Large Scale: foundation models 2027", False, [45], gigafactories[:2]),
    ]
    for code, title, continuous, days, sites in plans:
        call = Call.objects.filter(slug=f"{code}-demo").first()
        if call is None:
            mode = AccessMode.objects.get(code=code)
            call = designer.call_create(
                by=carol,
                values={
                    "title": title,
                    "slug": f"{code}-demo",
                    "access_mode": mode,
                    "summary": mode.description,
                    "description": DESCRIPTION.format(mode=mode.name),
                    "opens_at": now - dt.timedelta(days=7),
                    "is_continuous": continuous,
                    "max_applications_per_organisation": 2,
                    "allowed_durations_months": DURATIONS[code],
                    "score_min": 0,
                    "score_max": 5,
                },
                gigafactories=sites,
                cutoffs=[(now + dt.timedelta(days=offset)).replace(hour=17) for offset in days],
                criteria=[
                    {"name": name, "description": description, "weight": weight, "threshold": 3}
                    for name, description, weight in CRITERIA
                ],
                now=now,
            )
            for question in QUESTIONS[code]:
                designer.question_save(call_id=call.pk, by=carol, values={"required": True, **question})
            designer.slot_save(call_id=call.pk, by=carol, values=ANNEX)
            call = designer.call_publish(call_id=call.pk, by=carol, now=now)
            stdout.write(f"  Call {title}")
        calls[code] = call
    return calls


def _applications(stdout, calls: dict[str, Call]) -> None:
    if not calls:
        return
    alice = User.objects.filter(email="alice@demo.gigafactory.eu").first()
    organisation = Organisation.objects.filter(legal_name="Aurora AI OÜ").first()
    if alice is None or organisation is None:
        stdout.write("  alice or Aurora AI OÜ missing: no demo applications")
        return
    if Application.objects.filter(organisation=organisation).exists():
        return
    from allocations.applications import services
    from allocations.applications.demo_form import answer_call_form

    large = calls["large-scale"]
    draft = services.application_create(call=large, organisation=organisation, by=alice)
    services.application_update(
        application_id=draft.pk,
        by=alice,
        changes={
            "project": (
                0,
                {
                    "title": "Aurora-13B: open Baltic language models",
                    "acronym": "AURORA13",
                    "abstract": "Pre-training a 13B-parameter open model for Estonian, Latvian and Lithuanian.",
                    "ai_domain": AIDomain.LANGUAGE,
                    "keywords": ["LLM", "Baltic languages", "open weights"],
                },
            ),
            "resources": (0, {"requested_gpu_hours": 400_000, "minimum_gpu_hours": 250_000, "duration_months": 6}),
        },
    )
    fast = calls["fast-lane"]
    services.application_create(call=fast, organisation=organisation, by=alice)

    # A submitted one: answered in full; the PDFs are generated on the fly.

    playground = calls["playground"]
    submitted = services.application_create(call=playground, organisation=organisation, by=alice)
    services.application_update(
        application_id=submitted.pk,
        by=alice,
        changes={
            "project": (
                0,
                {
                    "title": "Speech-to-text for Estonian call centres",
                    "acronym": "KÕNE",
                    "abstract": "Fine-tuning an open speech model on consented call-centre recordings.",
                    "ai_domain": AIDomain.LANGUAGE,
                    "keywords": ["speech", "ASR", "Estonian"],
                },
            ),
            "resources": (
                0,
                {
                    "requested_gpu_hours": 1_500,
                    "minimum_gpu_hours": 800,
                    "preferred_gigafactory": playground.gigafactories.first(),
                    "start_month": dt.date(timezone.now().year + 1, 1, 1),
                    "duration_months": 2,
                    "largest_job_gpus": 64,
                    "storage_tb": 5,
                    "software_stack": "PyTorch, NeMo",
                    "scaling_evidence": "Linear scaling to 64 GPUs measured on LUMI-G.",
                },
            ),
            "ethics": (
                0,
                {
                    "data_sources": "Recordings of our customers' call centres, with consent.",
                    "personal_data": True,
                    "personal_data_legal_basis": "consent",
                    "ethics_self_assessment": "Voices are personal data; recordings are pseudonymised.",
                    "dual_use": False,
                    "open_science_commitment": "Model weights under CC-BY-4.0.",
                },
            ),
        },
    )
    answer_call_form(application_id=submitted.pk, by=alice, pdf=_demo_pdf())
    services.application_submit(application_id=submitted.pk, by=alice, declaration=True)
    stdout.write(f"  Applications of {organisation}: 2 drafts, 1 submitted")


def _demo_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def seed(stdout) -> None:
    """Four Gigafactories, one open call per access mode, and a few applications of alice's organisation."""
    with transaction.atomic():
        gigafactories = _gigafactories(stdout)
        calls = _calls(stdout, gigafactories)
        _applications(stdout, calls)
