"""The privacy notice and the accessibility statement: public, linked from every page's footer, with what the law
asks them to say."""

import pytest
from django.test import override_settings


@pytest.mark.parametrize("url", ["/", "/calls/"])
def test_every_page_links_both_from_the_footer(client, db, url):
    page = client.get(url).content.decode()
    footer = page[page.index("<footer") :]
    assert 'href="/privacy/"' in footer and 'href="/accessibility/"' in footer


@override_settings(DATA_PROTECTION_EMAIL="dpo@gigafactory.eu")
def test_the_privacy_notice_names_the_contact_the_rights_and_the_supervisor(client, db):
    response = client.get("/privacy/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="mailto:dpo@gigafactory.eu"' in page
    page = " ".join(page.split())
    for text in ("Regulation (EU) 2018/1725", "Your rights", "How long we keep it", "Data Protection Supervisor"):
        assert text in page


@override_settings(ACCESSIBILITY_EMAIL="a11y@gigafactory.eu")
def test_the_accessibility_statement_has_status_gaps_and_feedback_contact(client, db):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert "<strong>partially compliant</strong> with the harmonised standard EN 301 549" in page
    assert page.count("<li>", page.index('id="known-gaps"'), page.index("Preparation of this statement")) >= 3
    assert 'href="mailto:a11y@gigafactory.eu"' in page and "European Ombudsman" in page


def test_both_pages_answer_get_only(client, db):
    assert client.post("/privacy/").status_code == 405
    assert client.post("/accessibility/").status_code == 405
