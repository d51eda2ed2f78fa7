"""Staff see the ORCID iD of the people they deal with: the PI of an application, the reviewers they assign."""

from accounts.models import User
from tests.reviews.conftest import client_for

JOSIAH_CARBERRY = "0000-0002-1825-0097"
WITH_ZERO_CHECK = "0000-0001-5109-3700"


def test_staff_see_the_orcid_of_a_pi_and_of_reviewers(client, carol, bob, alice, in_review):
    alice.orcid, bob.orcid = JOSIAH_CARBERRY, WITH_ZERO_CHECK
    User.objects.bulk_update([alice, bob], ["orcid"])
    client_for(client, carol)
    page = client.get(f"/staff/reviews/manage/applications/{in_review.pk}/assign/").content.decode()
    assert f'href="https://orcid.org/{WITH_ZERO_CHECK}"' in page
    client_for(client, alice)
    page = client.get(f"/applications/{in_review.pk}/").content.decode()
    assert f'href="https://orcid.org/{JOSIAH_CARBERRY}"' in page
