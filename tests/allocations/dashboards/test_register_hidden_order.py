"""Where a confidential award sits in the public register (its row, its page, the counts) never depends on what the
public cannot see: swapping its quarter, Gigafactory, size, title and organisation leaves every public response
(page, htmx fragment, CSV, JSON, every page of it, every filter) the same byte for byte, apart from per-request
tokens (the CSP nonce and the CSRF token)."""

import re

import pytest
from django.test import Client

from allocations.models.capacity import CapacityPeriod, Grant
from tests.factories import CallFactory, OrganisationFactory, active_grant
from tests.factories.usage import current_quarter

PER_REQUEST = [
    (re.compile(rb'nonce="[^"]*"'), b'nonce=""'),
    (re.compile(rb'"X-CSRFToken": "[^"]*"'), b'"X-CSRFToken": ""'),
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), b'name="csrfmiddlewaretoken" value=""'),
]


def _next_quarter() -> tuple[int, int]:
    year, quarter = current_quarter()
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


@pytest.fixture
def register(seeded, carol, alice_org):
    """``seeded`` (three public awards and one confidential on Jupiter this quarter) plus, next quarter on Alps,
    two public awards and a second confidential one."""
    alps = seeded["jupiter"].__class__.objects.get(slug="alps")
    year, quarter = _next_quarter()
    public = CallFactory(title="Fast Lane Alps", slug="fast-lane-alps", gigafactories=[alps])
    secret = CallFactory(title="Alps defence", slug="alps-defence", gigafactories=[alps], awards_confidential=True)
    for hours, name in ((4_000, "Alpine Robotics GmbH"), (6_000, "Helvetic Vision AG")):
        org = OrganisationFactory(legal_name=name, country="DE", type="sme")
        active_grant(by=carol, gigafactory=alps, hours=hours, organisation=org, call=public, year=year, quarter=quarter)
    other_secret = OrganisationFactory(legal_name="Quiet Systems GmbH", country="DE", type="sme")
    active_grant(
        by=carol, gigafactory=alps, hours=800, organisation=other_secret, call=secret, year=year, quarter=quarter
    )
    return {
        **seeded,
        "alps": alps,
        "alps_period": CapacityPeriod.objects.get(gigafactory=alps, year=year, quarter=quarter),
    }


def _normalised(content: bytes) -> bytes:
    for pattern, replacement in PER_REQUEST:
        content = pattern.sub(replacement, content)
    return content


def _body(response) -> bytes:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return _normalised(content)


def public_responses(client: Client) -> dict[str, tuple[int, bytes]]:
    """Everything the public can ask the register, keyed by the request."""
    api = "/api/v1/public/awards/"
    filters = [
        {},
        {"country": "NL"},
        {"country": "DE"},
        {"organisation_type": "research"},
        {"organisation_type": "sme"},
        {"gigafactory": "alps"},
        {"gigafactory": "jupiter"},
        {"year": _next_quarter()[0]},
        {"q": "Robotics"},
    ]
    requests = []
    for params in filters:
        requests += [("/awards/", params, {}), ("/awards/", params, {"HTTP_HX_REQUEST": "true"})]
        requests.append(("/awards/", {**params, "format": "csv"}, {}))
        count = client.get(api, params).json()["count"]
        for size in (1, 2, 3):
            for page in range(1, (count + size - 1) // size + 1):
                requests.append((api, {**params, "page_size": size, "page": page}, {}))
    responses = {}
    for path, params, headers in requests:
        response = client.get(path, params, **headers)
        responses[f"{path} {sorted(params.items())} {sorted(headers)}"] = (response.status_code, _body(response))
    return responses


def test_swapping_a_confidential_awards_hidden_attributes_changes_no_public_response(register):
    client = Client()
    before = public_responses(client)
    assert len(before) > 60
    assert all(status == 200 for status, _ in before.values())

    hidden = register["grants"][3]  # confidential, Jupiter, this quarter, 500 GPU-hours
    target = register["alps_period"]
    Grant.objects.filter(pk=hidden.pk).update(
        period=target,
        gigafactory=register["alps"],
        pool=target.pools.first(),
        starts_on=target.starts_on,
        ends_on=target.ends_on,
        granted_seconds=99_000 * 3600,
    )
    application = hidden.application
    application.title, application.acronym = "Renamed secret", "ZZZ"
    application.save(update_fields=["title", "acronym"])
    application.organisation.__class__.objects.filter(pk=application.organisation_id).update(legal_name="AAA first")

    after = public_responses(client)
    assert after.keys() == before.keys()
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, changed


def test_confidential_awards_come_after_every_public_one(register):
    rows = Client().get("/api/v1/public/awards/", {"page_size": 500}).json()["results"]
    flags = [row["confidential"] for row in rows]
    assert flags == sorted(flags) and flags.count(True) == 2
    assert [row["country"] for row in rows if row["confidential"]] == ["DE", "NL"]
