"""Which required answers an application still lacks, per section. Pure: reads attributes, no database.

Drafts may be incomplete; submission needs every section complete. Field names are returned, labels are the
caller's business (``allocations.applications.selectors.section_status`` maps them to the form's labels).
"""

from dataclasses import dataclass

REQUIRED: dict[str, tuple[str, ...]] = {
    "project": ("title", "acronym", "abstract", "ai_domain", "keywords"),
    "team": ("pi_id",),
    "resources": (
        "requested_gpu_hours",
        "minimum_gpu_hours",
        "preferred_gigafactory_id",
        "start_month",
        "duration_months",
        "largest_job_gpus",
        "storage_tb",
        "software_stack",
        "scaling_evidence",
    ),
    "ethics": ("data_sources", "personal_data", "ethics_self_assessment", "dual_use", "open_science_commitment"),
}
SECTIONS = ("project", "team", "resources", "ethics", "attachments")


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple):
        return len(value) == 0 if not isinstance(value, str) else not value.strip()
    return False


@dataclass(frozen=True)
class Completeness:
    missing: dict[str, tuple[str, ...]]

    @property
    def complete_sections(self) -> int:
        return sum(1 for s in SECTIONS if not self.missing.get(s))

    @property
    def percent(self) -> int:
        return self.complete_sections * 100 // len(SECTIONS)

    @property
    def is_complete(self) -> bool:
        return not any(self.missing.values())

    def section_complete(self, section: str) -> bool:
        return not self.missing.get(section)


def completeness(application, *, annex_count: int, cv_count: int) -> Completeness:
    """Missing field names per section (empty tuple = complete)."""
    missing: dict[str, tuple[str, ...]] = {}
    for section, fields in REQUIRED.items():
        gaps = [name for name in fields if _blank(getattr(application, name, None))]
        if section == "team" and gaps:
            gaps = ["pi"]
        if section == "resources":
            gaps = [name.removesuffix("_id") for name in gaps]
        if section == "ethics":
            if application.personal_data is True and _blank(application.personal_data_legal_basis):
                gaps.append("personal_data_legal_basis")
            if application.dual_use is True and _blank(application.dual_use_details):
                gaps.append("dual_use_details")
        missing[section] = tuple(gaps)
    attachment_gaps = []
    if annex_count < 1:
        attachment_gaps.append("technical_annex")
    if cv_count < 1:
        attachment_gaps.append("cv")
    missing["attachments"] = tuple(attachment_gaps)
    return Completeness(missing=missing)
