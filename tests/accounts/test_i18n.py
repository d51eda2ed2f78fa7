"""The language switcher changes the interface; German and French catalogs cover the layout and accounts pages."""

import re

import pytest


def _nav(html: str) -> str:
    return html.split('aria-label="Hauptnavigation"', 1)[-1].split("</nav>", 1)[0]


def test_switching_to_german_shows_german_navigation(client, alice):
    client.force_login(alice)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/organisations/"})
    assert response.status_code == 302
    assert response.url == "/organisations/"
    html = client.get("/organisations/").content.decode()
    assert '<html lang="de">' in html
    assert 'aria-label="Hauptnavigation"' in html
    nav = _nav(html)
    assert "Organisationen" in nav and "Abmelden" in nav and "Profil und API-Tokens" in nav
    assert "Log out" not in nav
    assert "Meine Organisationen" in html
    assert "Zum Hauptinhalt springen" in html


def test_switching_to_french_and_back(client):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get("/").content.decode()
    assert "Se connecter" in html and "Comment fonctionne l’accès" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "How access works" in client.get("/").content.decode()


def test_unknown_language_keeps_english(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert "How access works" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Die Prüfziffer dieser USt-IdNr. ist falsch"),
        ("fr", "Le chiffre de contrôle de ce numéro de TVA est faux"),
    ],
)
def test_validation_messages_are_translated_on_the_page_and_the_api(client, alice, language, message):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    data = {"legal_name": "X", "country": "BE", "type": "sme", "vat_number": "BE0403170702"}
    response = client.post("/organisations/new/", data)
    assert message in response.content.decode()
    response = client.post("/api/v1/organisations/", data, content_type="application/json")
    assert message in response.json()["vat_number"][0]


def test_the_switcher_and_the_profile_store_the_language_on_the_account(client, alice):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == "fr"
    # Another browser (no cookie) gets the account's language.
    client.cookies.clear()
    client.force_login(alice)
    assert '<html lang="fr">' in client.get("/organisations/").content.decode()
    response = client.post("/profile/", {"full_name": "Alice Tamm", "orcid": "", "language": "de"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "de"
    assert '<html lang="de">' in client.get("/profile/").content.decode()


def test_an_unknown_language_is_not_stored(client, alice):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == ""


def test_the_empty_choice_of_a_select_is_translated(client, alice):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    page = client.get("/organisations/new/").content.decode()
    assert "- Bitte auswählen -" in page and "- Select an option -" not in page


def test_french_typography_non_breaking_spaces_and_no_de_before_a_vowel(client, alice, alice_org):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = client.get(f"/organisations/{alice_org.pk}/members/").content.decode()
    assert "Membres de l’organisation Aurora AI OÜ" in page
    assert "de Aurora" not in page
    assert not re.search(r"\w :", page.split("<main", 1)[1]), "a plain space before a colon"
