"""The public awards register: accepted grants only, never drafts or rejected applications, and nothing but the
organisation type and country of a call whose awards are confidential (page, search, filters, CSV, JSON)."""

import csv
import io

from django.test import Client

from allocations.models.capacity import GrantStatus

HIDDEN = ("Classified radar models", "RADAR", "Secret Defence Lab")
NEVER = ("Draft project never shown", "Rejected project never shown", "Waiting project")


def test_register_lists_accepted_grants_without_login(client, seeded):
    response = client.get("/awards/")
    assert response.status_code == 200
    body = response.content.decode()
    for grant in seeded["grants"][:3]:
        assert grant.application.title in body
    assert "Aurora AI" in body and "Estonia" in body and "1,000" in body
    for text in (*HIDDEN, *NEVER):
        assert text not in body
    assert "Confidential" in body and "Netherlands" in body and "Research organisation" in body


def test_offered_or_declined_grants_are_not_awards(client, seeded):
    grant = seeded["grants"][1]
    from allocations.models.capacity import Grant

    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.DECLINED)
    assert grant.application.title not in client.get("/awards/").content.decode()


def test_search_cannot_reveal_confidential_awards(client, seeded):
    for query in ("radar", "RADAR", "Secret", "Defence"):
        page = client.get("/awards/", {"q": query})
        assert page.context["page_obj"].paginator.count == 0, query
        assert client.get("/api/v1/public/awards/", {"q": query}).json()["count"] == 0
    # Filtering on a hidden field drops the confidential rows too; country and type keep them (shown masked).
    assert client.get("/awards/", {"gigafactory": "jupiter"}).context["page_obj"].paginator.count == 3
    by_country = client.get("/awards/", {"country": "NL"})
    assert by_country.context["page_obj"].paginator.count == 1
    for text in HIDDEN:
        assert text not in by_country.content.decode()


def test_json_and_csv_mask_confidential_rows(seeded):
    client = Client()
    data = client.get("/api/v1/public/awards/").json()
    assert data["count"] == 4
    secret = [row for row in data["results"] if row["confidential"]]
    assert len(secret) == 1
    assert secret[0]["country"] == "NL" and secret[0]["organisation_type"] == "research"
    assert all(secret[0][k] is None for k in ("title", "acronym", "organisation", "gpu_hours", "gigafactory"))
    export = client.get("/awards/?format=csv")
    text = b"".join(export.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    for needle in (*HIDDEN, *NEVER):
        assert needle not in text
    assert {r["gpu_hours"] for r in rows if r["title"]} == {"1000", "2000", "3000"}


def test_register_bad_input_is_400(client, seeded):
    assert client.get("/awards/", {"year": "soon"}).status_code == 400
    assert client.get("/api/v1/public/awards/", {"country": "ZZ"}).status_code == 400


def test_renamed_project_shows_at_once(client, seeded):
    app = seeded["grants"][0].application
    app.title = "Aurora foundation models, renamed"
    app.save(update_fields=["title"])
    assert "Aurora foundation models, renamed" in client.get("/awards/").content.decode()
    titles = [row["title"] for row in client.get("/api/v1/public/awards/").json()["results"]]
    assert "Aurora foundation models, renamed" in titles


def test_pages_follow_the_register_order(client, large):
    """Pages of the bulk data set: public awards by newest period first, then Gigafactory name; then the
    confidential ones by country and organisation type (grant id breaks ties); every accepted grant once, with the
    same count on the page and in the API."""
    from allocations.dashboards.selectors import ACCEPTED, PUBLIC_APPLICATION_STATUSES
    from allocations.models.capacity import Grant

    accepted = Grant.objects.filter(
        status__in=ACCEPTED, application__status__in=PUBLIC_APPLICATION_STATUSES
    ).select_related("period", "gigafactory", "application__call")
    by_owner = ("application__organisation__country", "application__organisation__type", "pk")
    expected = list(
        accepted.filter(application__call__awards_confidential=False).order_by(
            "-period__starts_on", "gigafactory__name", *by_owner
        )
    ) + list(accepted.filter(application__call__awards_confidential=True).order_by(*by_owner))
    assert expected[-1].application.call.awards_confidential
    assert len(expected) > 100
    first = client.get("/awards/")
    assert first.context["page_obj"].paginator.count == len(expected)
    seen = []
    for number in range(1, first.context["page_obj"].paginator.num_pages + 1):
        data = client.get("/api/v1/public/awards/", {"page": number}).json()
        assert data["count"] == len(expected)
        seen += data["results"]
    assert len(seen) == len(expected)
    for grant, row in zip(expected, seen, strict=True):
        if grant.application.call.awards_confidential:
            assert row["confidential"] and row["title"] is None and row["gpu_hours"] is None
        else:
            assert (row["title"], row["gpu_hours"]) == (grant.application.title, grant.granted_seconds // 3600)
            assert (row["year"], row["quarter"]) == (grant.period.year, grant.period.quarter)
    second = client.get("/awards/", {"page": 2})
    assert [a["pk"] for a in second.context["awards"]] == [g.pk for g in expected[50:100]]
