"""Data of the cut-off rush, created through the services on the load run's scratch database.

    python scripts/load/prepare.py OUT.json --applicants 300 --staff 6 --cutoff-in 420

A Large Scale call whose cut-off is ``--cutoff-in`` seconds from now, made and published through the call
designer's services like the demo calls (its own questions, a required technical annex and CV as document
slots); per applicant its own verified user, organisation and draft (every section and the call's questions
answered, every required document uploaded, as the demo seeds answer a call's form); the load run uploads the
CV again into its slot, replacing it. Staff users with the call-manager role and a TOTP authenticator.
Writes the cast (ids, emails, TOTP secrets, the cut-off) to OUT.json for the locust file and the verification.
"""

import argparse
import datetime as dt
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.demo import CAROL  # noqa: E402
from accounts.models import Membership, MembershipRole, Organisation, OrganisationType, User  # noqa: E402
from accounts.roles import PlatformRole  # noqa: E402
from allocations.applications import services  # noqa: E402
from allocations.applications.calls import services as designer  # noqa: E402
from allocations.applications.demo_form import answer_call_form  # noqa: E402
from allocations.demo import ANNEX, CRITERIA, QUESTIONS  # noqa: E402
from allocations.models import AccessMode, AIDomain, Call, Gigafactory  # noqa: E402

PASSWORD = "load-Gigafactory-2026"  # noqa: S105 - a scratch database's throwaway credential
CV = {"name": "CV of the principal investigator", "help_text": "At most 2 pages.", "max_size_mb": 2, "required": True}
COUNTRIES = ["DE", "FR", "IT", "ES", "NL", "BE", "PL", "SE", "FI", "AT", "PT", "CZ", "DK", "IE", "EE"]


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _call(cutoff_at) -> Call:
    """The rush call, through the designer's services: the demo Large Scale questions, annex and CV slots."""
    now = timezone.now()
    carol = User.objects.get(email=CAROL)
    call = designer.call_create(
        by=carol,
        values={
            "title": "Large Scale: the cut-off rush",
            "slug": f"rush-{now:%H%M%S}",
            "access_mode": AccessMode.objects.get(code="large-scale"),
            "summary": "Load run",
            "description": "Load run",
            "opens_at": now - dt.timedelta(days=30),
            "max_applications_per_organisation": 1,
            "allowed_durations_months": [3, 6, 12],
            "score_min": 0,
            "score_max": 5,
        },
        gigafactories=list(Gigafactory.objects.all()[:2]),
        cutoffs=[cutoff_at],
        criteria=[{"name": n, "description": d, "weight": w, "threshold": 3} for n, d, w in CRITERIA],
        now=now,
    )
    for question in QUESTIONS["large-scale"]:
        designer.question_save(call_id=call.pk, by=carol, values={"required": True, **question})
    designer.slot_save(call_id=call.pk, by=carol, values=ANNEX)
    designer.slot_save(call_id=call.pk, by=carol, values=CV)
    return designer.call_publish(call_id=call.pk, by=carol, now=now)


def _applicant(n: int, call: Call, password_hash: str, pdf: bytes) -> dict:
    email = f"applicant{n:04d}@rush.example.eu"
    user = User.objects.create(email=email, full_name=f"Applicant {n}", password=password_hash)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    organisation = Organisation.objects.create(
        legal_name=f"Rush Lab {n} GmbH",
        short_name=f"Rush{n}",
        country=COUNTRIES[n % len(COUNTRIES)],
        type=OrganisationType.STARTUP,
    )
    Membership.objects.create(organisation=organisation, user=user, role=MembershipRole.OWNER)
    draft = services.application_create(call=call, organisation=organisation, by=user)
    services.application_update(
        application_id=draft.pk,
        by=user,
        changes={
            "project": (
                0,
                {
                    "title": f"Rush-{n}: an open model",
                    "acronym": f"R{n}",
                    "abstract": "To be written.",
                    "ai_domain": AIDomain.LANGUAGE,
                    "keywords": ["LLM"],
                },
            ),
            "resources": (
                0,
                {
                    "requested_gpu_hours": 100_000 + n,
                    "minimum_gpu_hours": 60_000,
                    "preferred_gigafactory": call.gigafactories.first(),
                    "start_month": (timezone.localdate().replace(day=1) + dt.timedelta(days=62)).replace(day=1),
                    "duration_months": 6,
                    "largest_job_gpus": 512,
                    "storage_tb": 50,
                    "software_stack": "PyTorch, Megatron-LM, Slurm",
                    "scaling_evidence": "Weak scaling to 256 GPUs at 90 % efficiency.",
                },
            ),
            "ethics": (
                0,
                {
                    "data_sources": "Licensed corpora.",
                    "personal_data": False,
                    "ethics_self_assessment": "No personal data.",
                    "dual_use": False,
                    "open_science_commitment": "Open weights.",
                },
            ),
        },
    )
    answer_call_form(application_id=draft.pk, by=user, pdf=pdf)
    draft.refresh_from_db()
    return {"email": email, "application": draft.pk, "project_version": draft.project_version}


def _staff(n: int, password_hash: str) -> dict:
    email = f"staff{n:02d}@rush.example.eu"
    user = User.objects.create(email=email, full_name=f"Staff {n}", password=password_hash)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for role in (PlatformRole.CALL_MANAGER, PlatformRole.ALLOCATION_ADMIN):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return {"email": email, "totp_secret": secret}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--applicants", type=int, default=300)
    parser.add_argument("--staff", type=int, default=6)
    parser.add_argument("--cutoff-in", type=int, default=420, help="seconds from now")
    args = parser.parse_args()
    cutoff_at = timezone.now() + dt.timedelta(seconds=args.cutoff_in)
    password_hash = make_password(PASSWORD)
    pdf = _pdf()
    with transaction.atomic():
        call = _call(cutoff_at)
        applicants = [_applicant(n, call, password_hash, pdf) for n in range(args.applicants)]
        staff = [_staff(n, password_hash) for n in range(args.staff)]
    cv_slot = next(slot["id"] for slot in call.form_versions.get().document_slots if slot["name"] == CV["name"])
    cast = {
        "password": PASSWORD,
        "call": call.slug,
        "cv_slot": cv_slot,
        "cutoff": cutoff_at.isoformat(),
        "applicants": applicants,
        "staff": staff,
    }
    Path(args.out).write_text(json.dumps(cast, indent=1))
    print(f"prepared {len(applicants)} applicants, {len(staff)} staff, cut-off {cutoff_at.isoformat()}")


if __name__ == "__main__":
    main()
