"""Factories for calls and applications: an open Large Scale call by default, complete applications on demand."""

import datetime as dt
import importlib
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from allocations.models import (
    AccessMode,
    AIDomain,
    Application,
    Attachment,
    AttachmentKind,
    Call,
    CallCutoff,
    CallStatus,
    Gigafactory,
    RubricCriterion,
)
from tests.factories.accounts import OrganisationFactory, UserFactory


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "annex.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data, content_type="application/pdf")


SEEDED_MODES = {
    mode["code"]: mode
    for mode in importlib.import_module("allocations.migrations.0002_seed_access_modes_and_event_guard").ACCESS_MODES
}


def access_mode(code: str = "large-scale") -> AccessMode:
    """The access modes of the data migration (recreated after a transactional test flushed them)."""
    return AccessMode.objects.get_or_create(code=code, defaults=SEEDED_MODES[code])[0]


class GigafactoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gigafactory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Gigafactory {n}")
    slug = factory.Sequence(lambda n: f"gigafactory-{n}")
    host_country = "FI"
    site = "Kajaani"
    accelerator_model = "NVIDIA GB300"
    accelerator_count = 100_000
    availability_percent = 90


class CallFactory(factory.django.DjangoModelFactory):
    """A published call, open since yesterday, with one cut-off in 30 days."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Large Scale call {n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    access_mode = factory.LazyFunction(access_mode)
    summary = "Train and scale foundation models on EU AI Gigafactories."
    description = "## Scope\n\nLarge training runs.\n\n* excellence\n* impact"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    status = CallStatus.PUBLISHED

    @factory.post_generation
    def gigafactories(self, create, extracted, **kwargs):
        if create:
            self.gigafactories.set(extracted if extracted is not None else [GigafactoryFactory()])

    @factory.post_generation
    def cutoffs(self, create, extracted, **kwargs):
        if create:
            for at in extracted if extracted is not None else [timezone.now() + dt.timedelta(days=30)]:
                CallCutoff.objects.create(call=self, at=at)

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        if create and extracted is not False:
            for i, name in enumerate(["Excellence", "Technical readiness", "Impact"]):
                RubricCriterion.objects.create(call=self, name=name, weight=1, threshold=3, position=i)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft of an organisation's member (its PI); ``complete=True`` fills every section and attaches PDFs."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    pi = factory.SelfAttribute("created_by")
    form_version = factory.LazyAttribute(lambda o: o.call.form_versions.filter(number=o.call.form_version).first())

    @factory.post_generation
    def complete(self, create, extracted, **kwargs):
        if not (create and extracted):
            return
        fill_application(self)


def fill_application(application: Application, *, requested: int = 100_000, minimum: int = 60_000) -> Application:
    """Every section answered within the call's bounds, with a technical annex and a CV."""
    gigafactory = application.call.gigafactories.first()
    values = {
        "title": "Aurora-7B: an open Estonian-Finnish language model",
        "acronym": "AURORA",
        "abstract": "We train a 7B-parameter open language model for the Finno-Ugric languages.",
        "ai_domain": AIDomain.LANGUAGE,
        "keywords": ["LLM", "Estonian", "open weights"],
        "requested_gpu_hours": requested,
        "minimum_gpu_hours": minimum,
        "preferred_gigafactory": gigafactory,
        "start_month": dt.date(2027, 3, 1),
        "duration_months": 6,
        "largest_job_gpus": 1024,
        "storage_tb": 200,
        "software_stack": "PyTorch 2.6, Megatron-LM, Slurm",
        "scaling_evidence": "Weak scaling to 512 GPUs at 91 % efficiency on LUMI.",
        "data_sources": "Common Crawl (filtered), national corpora under licence.",
        "personal_data": False,
        "ethics_self_assessment": "No human subjects; bias evaluation planned.",
        "dual_use": False,
        "open_science_commitment": "Open weights under Apache-2.0 and a paper.",
    }
    for name, value in values.items():
        setattr(application, name, value)
    application.save()
    for kind, name in ((AttachmentKind.TECHNICAL_ANNEX, "annex.pdf"), (AttachmentKind.CV, "cv-pi.pdf")):
        attachment = Attachment(
            application=application,
            kind=kind,
            original_name=name,
            size=1,
            sha256="0" * 64,
            uploaded_by=application.created_by,
        )
        attachment.file.save("document.pdf", pdf_upload(name), save=False)
        attachment.size = attachment.file.size
        attachment.save()
    return application
