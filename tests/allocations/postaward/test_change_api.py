"""The change-request API: list, create, detail, respond and decide, with the portal's error shape."""

import datetime as dt

from allocations.models.changes import ChangeRequest, ChangeStatus
from tests.conftest import staff_api_client

URL = "/api/v1/change-requests/"


def test_the_pi_creates_and_the_admin_decides(api, alice, carol, grant):
    api.force_authenticate(alice)
    new_end = grant.ends_on + dt.timedelta(days=20)
    body = {"grant": grant.pk, "kind": "extension", "new_ends_on": new_end.isoformat(), "justification": "Late data."}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "submitted" and created["actions"] == ["withdraw"]
    assert [r["id"] for r in api.get(URL).json()["results"]] == [created["id"]]
    assert api.post(f"{URL}{created['id']}/decide/", {"action": "approve"}, format="json").status_code == 403
    admin = staff_api_client(carol)
    assert admin.get(URL, {"status": "submitted", "kind": "extension"}).json()["count"] == 1
    decided = admin.post(f"{URL}{created['id']}/decide/", {"action": "approve"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    grant.refresh_from_db()
    assert grant.ends_on == new_end


def test_bad_input_is_a_400_with_field_errors(api, alice, grant):
    api.force_authenticate(alice)
    response = api.post(URL, {"grant": grant.pk, "kind": "supplement", "hours": -3}, format="json")
    assert response.status_code == 400
    assert "justification" in str(response.json()) and "hours" in str(response.json())
    response = api.post(
        URL, {"grant": grant.pk, "kind": "extension", "new_ends_on": grant.ends_on.isoformat(), "justification": "x"}
    )
    assert response.status_code == 400 and "new_ends_on" in str(response.json())
    assert api.get(URL, {"status": "nonsense"}).status_code == 400
    assert not ChangeRequest.objects.exists()


def test_other_organisations_see_nothing(api, alice, mallory, grant):
    api.force_authenticate(alice)
    body = {"grant": grant.pk, "kind": "supplement", "hours": 5, "justification": "More."}
    created = api.post(URL, body, format="json").json()
    api.force_authenticate(mallory)
    assert api.get(URL).json()["count"] == 0
    assert api.get(f"{URL}{created['id']}/").status_code == 404
    assert api.post(f"{URL}{created['id']}/respond/", {"action": "withdraw"}, format="json").status_code == 404
    assert api.post(URL, {**body}, format="json").status_code == 400  # the grant does not exist for mallory
    api.force_authenticate(None)
    assert api.get(URL).status_code == 401


def test_the_pi_withdraws(api, alice, grant):
    api.force_authenticate(alice)
    body = {"grant": grant.pk, "kind": "supplement", "hours": 5, "justification": "More."}
    created = api.post(URL, body, format="json").json()
    response = api.post(f"{URL}{created['id']}/respond/", {"action": "withdraw"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == ChangeStatus.WITHDRAWN
    again = api.post(f"{URL}{created['id']}/respond/", {"action": "withdraw"}, format="json")
    assert again.status_code == 400
