"""Demo applicants write and submit applications through the applicant's services, at the moments the story needs.

Projects are drawn from a deterministic list (subject x approach), sized to the call's access mode; every
organisation of the accounts demo applies, its owner as PI.
"""

import datetime as dt
import random
from dataclasses import dataclass

from accounts.models import Membership, MembershipRole, Organisation, User
from allocations.applications import services
from allocations.applications.demo_form import answer_call_form
from allocations.models import AIDomain, Application, Call

# (subject, acronym stem, domain, keywords)
SUBJECTS = [
    ("Baltic and Nordic language models", "NORDLM", AIDomain.LANGUAGE, ["LLM", "low-resource languages"]),
    ("speech recognition for court hearings", "COURTASR", AIDomain.LANGUAGE, ["speech", "ASR", "legal"]),
    ("multilingual legal document search", "LEXSEARCH", AIDomain.LANGUAGE, ["retrieval", "legal", "RAG"]),
    ("code assistants for industrial PLCs", "PLCODE", AIDomain.LANGUAGE, ["code generation", "industry"]),
    ("defect detection on steel production lines", "STEELEYE", AIDomain.VISION, ["inspection", "manufacturing"]),
    ("satellite crop monitoring", "AGRISAT", AIDomain.VISION, ["remote sensing", "agriculture"]),
    ("3D reconstruction of cultural heritage sites", "HERITAGE3D", AIDomain.VISION, ["3D", "NeRF", "heritage"]),
    ("protein-ligand binding prediction", "BINDPRED", AIDomain.SCIENCE, ["drug discovery", "GNN"]),
    ("materials discovery for solid-state batteries", "SOLIDBAT", AIDomain.SCIENCE, ["materials", "batteries"]),
    ("plasma control in fusion devices", "FUSIONRL", AIDomain.SCIENCE, ["reinforcement learning", "fusion"]),
    ("radiology report generation", "RADREPORT", AIDomain.HEALTH, ["radiology", "multimodal"]),
    ("early sepsis warning in intensive care", "SEPSIS", AIDomain.HEALTH, ["time series", "clinical"]),
    ("digital pathology foundation model", "PATHFM", AIDomain.HEALTH, ["pathology", "foundation model"]),
    ("dexterous manipulation for warehouse robots", "GRASP", AIDomain.ROBOTICS, ["manipulation", "robotics"]),
    ("autonomous inland shipping", "RIVERNAV", AIDomain.ROBOTICS, ["autonomy", "navigation"]),
    ("regional climate emulators", "CLIMEMU", AIDomain.CLIMATE, ["climate", "emulator"]),
    ("flood forecasting for European river basins", "FLOODCAST", AIDomain.CLIMATE, ["hydrology", "forecasting"]),
    ("wind farm wake modelling", "WAKENET", AIDomain.CLIMATE, ["energy", "CFD surrogate"]),
    ("energy-efficient inference for edge devices", "EDGEINF", AIDomain.OTHER, ["efficiency", "quantisation"]),
    ("synthetic data for financial fraud detection", "FRAUDSYN", AIDomain.OTHER, ["synthetic data", "finance"]),
]
APPROACHES = [
    ("Open foundation models for", "Pre-training an open model for {s}, released with its data card and weights."),
    ("Fine-tuning open models for", "Adapting open-weight models to {s} with curated European data."),
    ("Scaling laws of", "Measuring how quality scales with compute and data for {s}."),
    ("Efficient training for", "Cutting the GPU-hours needed for {s} with mixed precision and better data."),
]
FRAMEWORKS = ["PyTorch, DeepSpeed", "JAX, Flax", "PyTorch, Megatron-LM", "PyTorch, NeMo", "PyTorch, Lightning"]

# GPU-hours requested per access mode: (low, high, allowed durations in months)
SIZES = {
    "playground": (300, 2_000, [1, 2, 3]),
    "fast-lane": (6_000, 48_000, [1, 2, 3]),
    "large-scale": (80_000, 900_000, [3, 6, 12]),
}


@dataclass(frozen=True)
class Applicant:
    user: User
    organisation: Organisation


def applicants() -> list[Applicant]:
    """The owner of every demo organisation, alice's Aurora AI first."""
    owners = (
        Membership.objects.filter(role=MembershipRole.OWNER, user__email__endswith="@demo.gigafactory.eu")
        .select_related("user", "organisation")
        .order_by("organisation__founded_on")
    )
    found = [Applicant(m.user, m.organisation) for m in owners]
    return sorted(found, key=lambda a: a.organisation.legal_name != "Aurora AI OÜ")


def _project(rng: random.Random, n: int) -> dict:
    subject, stem, domain, keywords = SUBJECTS[n % len(SUBJECTS)]
    prefix, abstract = APPROACHES[(n // len(SUBJECTS) + n) % len(APPROACHES)]
    return {
        "title": f"{prefix} {subject}",
        "acronym": f"{stem}-{n % 97 + 1}"[:20],
        "abstract": abstract.format(s=subject),
        "ai_domain": domain,
        "keywords": keywords,
    }


def write(
    *, call: Call, applicant: Applicant, rng: random.Random, n: int, start: dt.date, now, complete: bool = True
) -> Application:
    """A draft answered in full (or only its project when not ``complete``) for a project starting ``start``."""
    low, high, durations = SIZES[call.access_mode.code]
    requested = rng.randrange(low, high) // 100 * 100
    gigafactories = list(call.gigafactories.order_by("pk"))
    application = services.application_create(
        call=call, organisation=applicant.organisation, by=applicant.user, now=now
    )
    changes = {"project": (0, _project(rng, n))}
    if complete:
        changes["resources"] = (
            0,
            {
                "requested_gpu_hours": requested,
                "minimum_gpu_hours": max(requested * rng.choice([40, 50, 60, 75]) // 100, low) // 100 * 100,
                "preferred_gigafactory": gigafactories[n % len(gigafactories)],
                "start_month": start,
                "duration_months": rng.choice(durations),
                "largest_job_gpus": rng.choice([8, 32, 64, 256, 1024]),
                "storage_tb": rng.choice([2, 10, 50, 200]),
                "software_stack": rng.choice(FRAMEWORKS),
                "scaling_evidence": "Near-linear scaling measured up to 256 GPUs on EuroHPC systems.",
            },
        )
        changes["ethics"] = (
            0,
            {
                "data_sources": "Openly licensed corpora and partner data under agreements, listed in the annex.",
                "personal_data": False,
                "ethics_self_assessment": "No personal data; outputs are reviewed for bias before release.",
                "dual_use": False,
                "open_science_commitment": "Model weights and code under an open licence at the end of the project.",
            },
        )
    services.application_update(application_id=application.pk, by=applicant.user, changes=changes)
    return application


def submit(application: Application, applicant: Applicant, *, pdf: bytes, now) -> Application:
    answer_call_form(application_id=application.pk, by=applicant.user, pdf=pdf)
    return services.application_submit(application_id=application.pk, by=applicant.user, declaration=True, now=now)
