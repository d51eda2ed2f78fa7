"""A first visit to an empty awards register says there are no awards yet, without an error."""

import pytest

pytestmark = pytest.mark.django_db


def test_empty_register_says_no_awards_yet(client):
    response = client.get("/awards/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "No awards yet." in body
    assert "Please correct the search." not in body
    assert 'role="alert"' not in body


def test_a_search_without_results_says_nothing_matches(client):
    body = client.get("/awards/", {"q": "nothing like this"}).content.decode()
    assert "No award matches." in body
    assert "Please correct the search." not in body
