"""The cast for personal data rights: alice (applicant) with an application under review, bob and dave (the two
reviewers who submitted their reviews), carol (call manager) who checked and assigned it."""

import io
import json
import zipfile

import pytest

from allocations.models import AIDomain
from tests.conftest import activate_totp
from tests.factories import CallFactory, ensure_platform_groups, reviewer
from tests.factories.reviews import (
    ReviewerProfileFactory,
    accepted_assignment,
    passed_check,
    submitted_application,
    submitted_review,
)


@pytest.fixture
def _platform_groups(db):
    ensure_platform_groups()


@pytest.fixture
def bob(_platform_groups, bob):
    ReviewerProfileFactory(user=bob, expertise=[AIDomain.LANGUAGE], keywords=["LLM"], research_interests="Estonian NLP")
    activate_totp(bob)
    return bob


@pytest.fixture
def dave(_platform_groups):
    user = reviewer("dave@tu-delft.nl", expertise=[AIDomain.LANGUAGE])
    user.full_name = "Dave Second-Reviewer"
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def call(db):
    return CallFactory(title="Large Scale: foundation models 2027", slug="large-scale-2027")


@pytest.fixture
def reviewed(alice, alice_org, bob, dave, carol, call):
    """alice's application with two submitted reviews (bob's and dave's), checked and assigned by carol."""
    application = passed_check(submitted_application(call=call, organisation=alice_org, pi=alice), by=carol)
    for person, scores in ((bob, [4, 4, 3]), (dave, [5, 3, 4])):
        assignment = accepted_assignment(application, person, by=carol)
        submitted_review(assignment, scores, comment=f"Comment by {person.full_name}.", panel="Panel only.")
    application.refresh_from_db()
    return application


def unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def section(files: dict[str, str], name: str) -> list[dict]:
    return json.loads(files[f"{name}.json"])
