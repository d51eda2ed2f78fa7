"""Help and error texts are linked to their fields: every id named by ``aria-describedby`` exists on the page
(Team, Resources and Data-and-ethics steps, blank and after a failed save)."""

from html.parser import HTMLParser

import pytest


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for ref in (attrs.get("aria-describedby") or "").split():
            self.described.append((attrs.get("name") or attrs.get("id") or tag, ref))


def _dangling(html: str) -> list[tuple[str, str]]:
    parser = _Ids()
    parser.feed(html)
    assert parser.described, "the step links some help or error text"
    return [(name, ref) for name, ref in parser.described if ref not in parser.ids]


@pytest.mark.parametrize("section", ["team", "resources", "ethics"])
def test_every_described_by_id_exists(alice_client, draft, section):
    response = alice_client.get(f"/applications/{draft.pk}/edit/{section}/")
    assert response.status_code == 200
    assert _dangling(response.content.decode()) == []


def test_team_email_error_is_linked(alice_client, draft):
    data = {
        "version": 0,
        "members-TOTAL_FORMS": 2,
        "members-INITIAL_FORMS": 0,
        "members-0-email": "kadri@",
        "members-0-role": "researcher",
        "members-1-email": "",
        "members-1-role": "researcher",
    }
    response = alice_client.post(f"/applications/{draft.pk}/edit/team/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-describedby="id_members-0-email_errors' in html
    assert _dangling(html) == []
