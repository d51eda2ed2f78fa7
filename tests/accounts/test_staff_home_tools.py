"""The staff home lists the main tool of each of the user's roles: every staff link of the menu is a tile."""

import re

import pytest
from django.test import Client

from accounts.roles import PlatformRole
from tests.conftest import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _menu_links(body: str) -> set[str]:
    return set(re.findall(r'class="dropdown-item" href="(/staff/[^"]+)"', body))


def _tiles(body: str) -> set[str]:
    return set(re.findall(r'<a class="stretched-link" href="([^"]+)"', body))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (PlatformRole.ALLOCATION_ADMIN, {"Allocation", "Usage imports", "Dashboards"}),
        (PlatformRole.FINANCE_ADMIN, {"Ledger", "Dashboards"}),
        (PlatformRole.CALL_MANAGER, {"Review management", "Dashboards"}),
        (PlatformRole.REVIEWER, {"My reviews"}),
    ],
)
def test_staff_home_shows_every_tool_of_the_menu(role, expected):
    client = login_staff(Client(), UserFactory(roles=[role]))
    body = client.get("/staff/").content.decode()
    assert _menu_links(body), "the menu lists the role's tools"
    assert _menu_links(body) <= _tiles(body)
    titles = set(re.findall(r'<a class="stretched-link" href="[^"]+">([^<]+)</a>', body))
    assert expected <= titles


def test_a_reviewer_sees_no_tool_of_other_roles():
    client = login_staff(Client(), UserFactory(roles=[PlatformRole.REVIEWER]))
    body = client.get("/staff/").content.decode()
    for title in ("Allocation", "Ledger", "Dashboards", "Usage imports", "Review management"):
        assert f">{title}</a>" not in body
