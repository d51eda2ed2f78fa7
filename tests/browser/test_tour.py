"""A tour of the portal per role on the demo data: every page a person of that role can reach by following links,
at 1280 px and at 390 px (a phone). On each page: no horizontal page scroll (tables scroll inside their own region),
axe-core clean, no console error, a screenshot per page and width under test-artifacts/tour/.

The pages are found by following the links of each page (breadth first, one page per URL route, so a list of 300
applications costs one visit), starting from the role's home: a page added later is toured without editing this file.
"""

import os
import re
import shutil
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from accounts.demo import ALICE, BOB, CAROL, DORA
from accounts.models import User
from ledger.demo import PARTNER_CONTACT_EMAIL
from tests.conftest import ARTIFACTS, PASSWORD, activate_totp, assert_accessible, login, login_with_totp
from tests.portal.conftest import demo_data  # noqa: F401  (the seed_demo data set)

pytestmark = [pytest.mark.browser]

WIDTHS = (1280, 390)
# Never followed: signing out or away, the Django admin (its own product), the API and its schema pages, files.
SKIPPED = re.compile(
    r"^/(accounts/(logout|login|signup|password|confirm-email|2fa/(reauthenticate|deactivate)|"
    r"reauthenticate)|admin/|api/|i18n/|static/|media/)"
    r"|/(download|export|csv|pdf|print)(/|$)|\.(csv|json|pdf|zip|txt|sh)$"
)
MAX_PAGES = 80

TOURS = {
    "anonymous": (None, ["/"]),
    "applicant": (ALICE, ["/"]),
    "reviewer": (BOB, ["/", "/staff/"]),
    "call-manager-and-allocation-admin": (CAROL, ["/", "/staff/"]),
    "finance-admin": (DORA, ["/", "/staff/"]),
    "partner": (PARTNER_CONTACT_EMAIL, ["/"]),
}

OVERFLOW_JS = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  // Name the widest elements that stick out, for the failure message.
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > root.clientWidth + 1 && el.offsetParent !== null) {
      let inside = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(s.overflowX) && p !== document.body && p !== root) inside = true;
      }
      if (!inside) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, elements: out.slice(0, 5)};
}"""


def _route_key(path: str) -> str | None:
    """One key per URL route (its name), so each route is toured once; None for paths the portal does not serve."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    # A form step or a kind of record is a page of its own; objects of one route are one page.
    variant = match.kwargs.get("section") or match.kwargs.get("kind") or ""
    return f"{match.view_name or match._func_path}:{variant}"


def _links(page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if SKIPPED.search(parts.path):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _check_page(page, role: str, path: str, index: int, problems: list[str]) -> None:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    for width in WIDTHS:
        if width != WIDTHS[0]:
            # Loaded at this width, as a phone would: charts and scripts size themselves on load.
            page.set_viewport_size({"width": width, "height": 900})
            page.reload()
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow:
            problems.append(f"{role} {path} at {width} px scrolls sideways: {overflow}")
        try:
            assert_accessible(page, f"tour/{role}/{index:02d}-{slug}-{width}")
        except AssertionError as exc:
            problems.append(f"{role} {path} at {width} px: {exc}")


def _tour(page, role: str, starts: list[str]) -> tuple[list[str], list[str]]:
    seen_routes: set[str] = set()
    queue = list(starts)
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        key = _route_key(urlsplit(path).path)
        if key is None or key in seen_routes:
            continue
        seen_routes.add(key)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        try:
            response = page.goto(path)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):  # a file behind a plain link: not a page
                continue
            raise
        status = response.status if response else 0
        if status >= 400 and status != 404:
            problems.append(f"{role} {path} answered {status}")
            continue
        visited.append(path)
        _check_page(page, role, path, len(visited), problems)
        queue.extend(_links(page))
    return visited, problems


@pytest.fixture
def toured_users(demo_data):  # noqa: F811
    users = {}
    for role, (email, _starts) in TOURS.items():
        if email:
            user = User.objects.get(email=email)
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            if user.is_staff or user.groups.exists():
                activate_totp(user)
            users[role] = user
    return users


@pytest.mark.parametrize("role", list(TOURS))
def test_tour(page, role, toured_users):
    shutil.rmtree(os.path.join(ARTIFACTS, "tour", role), ignore_errors=True)  # this run's screenshots only
    os.makedirs(os.path.join(ARTIFACTS, "tour", role))
    user = toured_users.get(role)
    if user is not None:
        if getattr(user, "totp_secret", None):
            login_with_totp(page, user)
        else:
            login(page, user.email)
    visited, problems = _tour(page, role, TOURS[role][1])
    print(f"tour {role}: {len(visited)} pages: {visited}")
    assert len(visited) >= 3, f"{role} reached only {visited}"
    assert not problems, "\n".join(problems)
