"""The language switcher changes the interface; German and French catalogs cover the layout and accounts pages."""

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
