"""The call designer's pages under /staff/calls/: a call manager's whole round, field errors (never a 500) and
who may open them."""

import datetime as dt

from django.utils import timezone

from allocations.models import Call, CallEvent, CallEventKind, CallStatus
from tests.conftest import activate_totp
from tests.factories import CallFactory, GigafactoryFactory
from tests.factories.allocations import access_mode


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def test_mfa_is_needed(client, carol):
    client.force_login(carol)
    response = client.get("/staff/calls/")
    assert response.status_code == 302 and "/staff/calls/" not in response["Location"]


def test_others_get_403_or_404(client, bob, alice):
    activate_totp(bob)
    client.force_login(alice)
    assert client.get("/staff/calls/").status_code == 404
    call = CallFactory()
    assert client.get(f"/staff/calls/{call.slug}/").status_code == 404
    assert client.post(f"/staff/calls/{call.slug}/close/").status_code == 404
    assert Call.objects.get(pk=call.pk).status == CallStatus.PUBLISHED


def test_a_call_managers_round(manager, carol):
    gigafactory = GigafactoryFactory(name="JUPITER AI")
    mode = access_mode("large-scale")
    soon = timezone.now() + dt.timedelta(days=20)
    form = {
        "title": "Climate emulators 2027",
        "slug": "",
        "summary": "Emulate the climate.",
        "description": "Anonymise your documents.",
        "access_mode": mode.pk,
        "gigafactories": [gigafactory.pk],
        "opens_at": local(timezone.now()),
        "scale": "0",
        "max_applications_per_organisation": 2,
        "reply_window_days": 7,
        "blind_review": "on",
        "cutoffs": f"{local(soon)}\n{local(soon - dt.timedelta(days=40))}",
    }
    response = manager.post("/staff/calls/new/", form)
    assert response.status_code == 400
    assert "in the past" in response.content.decode()

    form["cutoffs"] = local(soon)
    response = manager.post("/staff/calls/new/", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    call = Call.objects.get(slug="climate-emulators-2027")
    base = f"/staff/calls/{call.slug}"
    assert call.blind_review and call.status == CallStatus.DRAFT

    bad = manager.post(
        f"{base}/questions/",
        {"question-kind": "number", "question-label": "Nodes", "question-min_value": "9", "question-max_value": "1"},
    )
    assert bad.status_code == 400 and "must not be below the minimum" in bad.content.decode()
    for label in ("Nodes", "Dataset"):
        manager.post(
            f"{base}/questions/",
            {
                "question-kind": "number",
                "question-label": label,
                "question-min_value": "1",
                "question-max_value": "64",
                "question-unit": "nodes",
                "question-required": "on",
            },
        )
    _first, second = call.questions.order_by("position")
    assert manager.post(f"{base}/questions/{second.pk}/up/").status_code == 302
    assert list(call.questions.order_by("position").values_list("label", flat=True)) == ["Dataset", "Nodes"]
    response = manager.post(
        f"{base}/documents/", {"slot-name": "Technical annex", "slot-required": "on", "slot-max_size_mb": "10"}
    )
    assert response.status_code == 302
    rubric = {
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "Excellence",
        "criteria-0-weight": "0",
        "criteria-0-threshold": "3",
    }
    response = manager.post(f"{base}/rubric/", rubric)
    assert response.status_code == 400 and "weight must be a positive whole number" in response.content.decode()
    rubric["criteria-0-weight"] = "2"
    assert manager.post(f"{base}/rubric/", rubric).status_code == 302

    preview = manager.get(f"{base}/preview/").content.decode()
    assert "Dataset" in preview and "Technical annex" in preview and "Between 1 and 64 nodes." in preview

    assert manager.post(f"{base}/publish/").status_code == 302
    call.refresh_from_db()
    assert call.status == CallStatus.PUBLISHED and call.form_version == 1
    again = manager.post(f"{base}/publish/")
    assert again.status_code == 400 and "cannot be published twice" in again.content.decode()

    refused = manager.post(f"{base}/rubric/", rubric)
    assert refused.status_code == 400 and "rubric cannot change after publishing" in refused.content.decode()

    cutoff = call.cutoffs.get()
    later = cutoff.at + dt.timedelta(days=3)
    response = manager.post(
        f"{base}/cutoffs/{cutoff.pk}/extend/", {"new_at": timezone.localtime(later).strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    assert CallEvent.objects.filter(call=call, kind=CallEventKind.CUTOFF_EXTENDED, actor=carol).exists()
    bad = manager.post(f"{base}/cutoffs/{cutoff.pk}/extend/", {"new_at": "soon"})
    assert bad.status_code == 400

    edit = manager.post(f"{base}/edit/", {**form, "max_request_gpu_hours": 5, "description": "Anonymise it all."})
    assert edit.status_code == 302  # the other fields are read-only on a published call: only the text changed
    call.refresh_from_db()
    assert call.description == "Anonymise it all." and call.max_request_gpu_hours is None

    page = manager.get(f"{base}/").content.decode()
    assert "Cut-off extended" in page and "Published" in page
    assert manager.post(f"{base}/close/").status_code == 302
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED


def test_clone_page(manager):
    source = CallFactory(title="Fast Lane 2026", slug="fast-lane-2026")
    response = manager.post(
        f"/staff/calls/{source.slug}/clone/", {"title": "Fast Lane 2027", "slug": "", "cutoffs": "31/12"}
    )
    assert response.status_code == 400 and "Line 1" in response.content.decode()
    response = manager.post(f"/staff/calls/{source.slug}/clone/", {"title": "Fast Lane 2027", "slug": ""})
    assert response.status_code == 302
    clone = Call.objects.get(slug="fast-lane-2027")
    assert clone.cloned_from == source and clone.criteria.count() == 3
    listing = manager.get("/staff/calls/").content.decode()
    assert "Fast Lane 2027" in listing and "Fast Lane 2026" in listing


def test_unknown_item_operation_is_404(manager):
    call = CallFactory(status="draft")
    assert manager.post(f"/staff/calls/{call.slug}/questions/1/sideways/").status_code == 404
    assert manager.post(f"/staff/calls/{call.slug}/questions/999999/up/").status_code == 400


def test_list_page_query_budget(manager, django_assert_max_num_queries):
    for n in range(8):
        CallFactory(title=f"Call {n}", slug=f"budget-{n}", status=["draft", "published", "closed"][n % 3])
    with django_assert_max_num_queries(15):
        response = manager.get("/staff/calls/")
    assert response.status_code == 200 and response.content.decode().count("budget-") >= 16
