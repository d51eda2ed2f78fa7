"""The panel's "Reviews and reply" link: a call manager reads every submitted review of an application (reviewer,
scores, both comments) and the applicant's reply; nobody else opens the page."""

from django.test import Client
from django.urls import reverse

from reviews import services
from tests.factories.reviews import accepted_assignment, submitted_review
from tests.reviews.conftest import client_for


def test_the_panel_links_each_application_to_its_reviews_and_reply(client, in_review, alice, bob, dave, carol):
    submitted_review(accepted_assignment(in_review, bob, by=carol), [5, 4, 4], comment="Strong team.", panel="Fund.")
    submitted_review(
        accepted_assignment(in_review, dave, by=carol), [3, 3, 2], comment="Thin scaling.", panel="Borderline."
    )
    services.reply_submit(application_id=in_review.pk, by=alice, text="We add a scaling study in month 2.")
    url = reverse("panel_application_reviews", args=[in_review.pk])

    manager = client_for(client, carol)
    panel = manager.get(reverse("panel", args=[in_review.call.slug]))
    assert url in panel.content.decode()
    page = manager.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for expected in (
        bob.get_full_name(),
        dave.get_full_name(),
        "Strong team.",
        "Thin scaling.",
        "Borderline.",  # the confidential comment is for the panel
        "We add a scaling study in month 2.",
        in_review.reference,
    ):
        assert expected in text, expected
    assert text.count('class="card mb-3 panel-review"') == 2


def test_only_call_managers_open_it(in_review, alice, bob, carol):
    url = reverse("panel_application_reviews", args=[in_review.pk])
    assert client_for(Client(), alice).get(url).status_code == 403
    assert client_for(Client(), bob).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert client_for(Client(), carol).get(reverse("panel_application_reviews", args=[999_999])).status_code == 404
