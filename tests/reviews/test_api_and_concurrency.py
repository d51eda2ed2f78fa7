"""The API of the review stage end to end, and two call managers deciding the same application at once."""

import threading

import pytest
from django.core import mail
from django.db import connection

from accounts.roles import PlatformRole
from allocations.models import Application, ApplicationEvent, Status
from reviews import services
from reviews.models import PanelDecision, ReviewAssignment, ReviewEvent, ReviewEventKind
from tests.conftest import emails_queued, queued_tasks, wait_for
from tests.factories import UserFactory
from tests.factories.reviews import accepted_assignment, passed_check, submitted_application, submitted_review
from tests.reviews.conftest import api_for


def test_reviewer_journey_through_the_api(bob, dave, carol, alice, in_review):
    services.assignments_create(pairs=[(in_review.pk, bob.pk), (in_review.pk, dave.pk)], by=carol)
    bob_api = api_for(bob)
    (item,) = bob_api.get("/api/v1/review-assignments/").json()["results"]
    assert item["application"]["reference"] == in_review.reference and item["review"] is None
    url = f"/api/v1/review-assignments/{item['id']}"
    response = bob_api.post(f"{url}/accept/", {"no_conflict": False}, format="json")
    assert response.status_code == 400 and "no_conflict" in response.json()
    response = bob_api.post(f"{url}/accept/", {"no_conflict": True}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    review_id = response.json()["review"]
    criteria = {c.name: c.pk for c in in_review.call.criteria.all()}
    response = bob_api.put(f"/api/v1/reviews/{review_id}/", {"scores": {str(criteria["Impact"]): 9}}, format="json")
    assert response.status_code == 400 and "from 1 to 5" in response.json()["scores"][0]
    response = bob_api.put(
        f"/api/v1/reviews/{review_id}/",
        {
            "scores": {str(pk): 4 for pk in criteria.values()},
            "comment_for_applicant": "Sound.",
            "comment_for_panel": "Yes",
        },
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "draft"
    response = bob_api.post(f"/api/v1/reviews/{review_id}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert (
        bob_api.put(f"/api/v1/reviews/{review_id}/", {"comment_for_applicant": "x"}, format="json").status_code == 400
    )
    # dave declares a conflict: returned, and there is nobody left to take the place.
    dave_item = api_for(dave).get("/api/v1/review-assignments/").json()["results"][0]
    response = api_for(dave).post(
        f"/api/v1/review-assignments/{dave_item['id']}/declare-conflict/", {"reason": "Friend"}
    )
    assert response.status_code == 200 and response.json()["status"] == "conflict"
    assert api_for(alice).get("/api/v1/review-assignments/").status_code == 403


def test_panel_decision_and_reply_through_the_api(bob, dave, carol, alice, in_review):
    submitted_review(accepted_assignment(in_review, bob, by=carol), [4, 4, 4])
    submitted_review(accepted_assignment(in_review, dave, by=carol), [5, 4, 4])
    alice_api = api_for(alice)
    assert alice_api.post(f"/api/v1/applications/{in_review.pk}/reply/", {"text": ""}).status_code == 400
    response = alice_api.post(f"/api/v1/applications/{in_review.pk}/reply/", {"text": "Thank you; see the new annex."})
    assert response.status_code == 200 and response.json()["application_status"] == "panel"
    assert api_for(bob).post(f"/api/v1/applications/{in_review.pk}/reply/", {"text": "x"}).status_code == 404
    assert alice_api.get("/api/v1/calls/large-scale-2027/panel/").status_code == 403
    carol_api = api_for(carol)
    panel = carol_api.get("/api/v1/calls/large-scale-2027/panel/").json()
    assert [r["reference"] for r in panel["rows"]] == [in_review.reference]
    assert panel["rows"][0]["weighted_score"] == "4.25" and "minimum criterion" in panel["tie_break"]
    assert carol_api.get("/api/v1/calls/nope/panel/").status_code == 404
    url = f"/api/v1/applications/{in_review.pk}/decision/"
    assert alice_api.post(url, {"decision": "approved", "justification": "me"}).status_code == 403
    assert carol_api.post(url, {"decision": "maybe", "justification": "x"}).status_code == 400
    response = carol_api.post(url, {"decision": "approved", "justification": "Ranked first"})
    assert response.status_code == 200 and response.json()["rank"] == 1
    response = carol_api.post(url, {"decision": "rejected", "justification": "Changed my mind"})
    assert response.status_code == 409 and "already decided (approved) by Carol Manager" in response.json()["detail"]


@pytest.mark.celery
def test_two_call_managers_deciding_at_once_one_decision_one_conflict_one_email(
    celery_worker, _platform_groups, alice, alice_org, call, bob, dave, carol
):
    application = passed_check(submitted_application(call=call, organisation=alice_org, pi=alice), by=carol)
    submitted_review(accepted_assignment(application, bob, by=carol), [4, 4, 4])
    submitted_review(accepted_assignment(application, dave, by=carol), [4, 4, 4])
    services.reply_submit(application_id=application.pk, by=alice, text="Thanks")
    wait_for(lambda: len(mail.outbox) >= 1)  # the right-to-reply email
    mail.outbox.clear()
    frank = UserFactory(email="frank@eurohpc.eu", full_name="Frank Manager", roles=[PlatformRole.CALL_MANAGER])
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(user, decision):
        try:
            barrier.wait()
            services.application_decide(
                application_id=application.pk, decision=decision, justification=f"{user} decides", by=user
            )
            outcomes[user.email] = "decided"
        except services.DecisionConflict as exc:
            outcomes[user.email] = exc.messages[0]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(carol, Status.APPROVED)),
        threading.Thread(target=decide, args=(frank, Status.REJECTED)),
    ]
    with queued_tasks() as queued:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(v == "decided" for v in outcomes.values()) == [False, True], outcomes
    loser_message = next(v for v in outcomes.values() if v != "decided")
    assert "was already decided" in loser_message and "Your decision was not recorded" in loser_message
    decision = PanelDecision.objects.get(application=application)
    winner = "carol@eurohpc.eu" if decision.decision == "approved" else "frank@eurohpc.eu"
    assert outcomes[winner] == "decided"
    assert Application.objects.get(pk=application.pk).status == decision.decision
    assert ApplicationEvent.objects.filter(application=application, action__in=["approve", "reject"]).count() == 1
    assert ReviewEvent.objects.filter(application=application, kind=ReviewEventKind.DECISION).count() == 1
    # Both threads have ended, so every email they queued is in the outbox: exactly one.
    assert len(emails_queued(queued)) == 1
    wait_for(lambda: len(mail.outbox) >= 1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@aurora-ai.eu"]
    assert mail.outbox[0].subject.endswith(decision.get_decision_display().lower())
    assert ReviewAssignment.objects.filter(application=application).count() == 2
