"""The applicants' timeline names the people of the applying side and shows staff by their role only: a call
manager's name and address never reach the applicants, on the page or through the API."""

from tests.reviews.conftest import api_for


def test_the_applicants_see_staff_by_role_and_themselves_by_name(client, alice, carol, in_review):
    client.force_login(alice)
    page = client.get(f"/applications/{in_review.pk}/").content.decode()
    assert "Call manager" in page
    assert str(alice) in page
    assert carol.email not in page and "Carol Manager" not in page

    events = api_for(alice).get(f"/api/v1/applications/{in_review.pk}/").json()["events"]
    submitted, checked = events[0], events[-1]
    assert (submitted["action"], submitted["actor"], submitted["actor_label"]) == ("submit", alice.email, str(alice))
    assert (checked["action"], checked["actor"], checked["actor_label"]) == ("pass_check", None, "Call manager")
    assert carol.email not in str(events)
