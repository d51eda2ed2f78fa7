"""The two gates of the terms of access: the PI accepts the current terms before accepting an offer, and each grant
team member before getting a cluster account; a new version closes both again until it is accepted."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from allocations.capacity import services as capacity_services
from allocations.models import ApplicationMember, Status
from allocations.models.capacity import GrantStatus
from allocations.models.provisioning import GrantMember
from allocations.models.terms import TermsAcceptance
from allocations.terms import services
from allocations.terms.services import TermsNotAccepted
from allocations.usage import provisioning
from allocations.usage.services import provisioning as provisioning_services
from tests.factories import UserFactory
from tests.factories.terms import accept_current_terms, published_terms

# --- gate 1: the offer ----------------------------------------------------------------------------------------------


def test_without_published_terms_an_offer_is_accepted_as_before(offered, alice):
    grant = capacity_services.offer_respond(grant_id=offered.pk, accept=True, by=alice)
    assert grant.status == GrantStatus.ACCEPTED


def test_the_offer_is_refused_until_the_pi_accepts_the_platform_terms_and_the_site_policy(
    offered, alice, platform_terms, jupiter_policy
):
    with pytest.raises(TermsNotAccepted) as refused:
        capacity_services.offer_respond(grant_id=offered.pk, accept=True, by=alice)
    assert refused.value.versions == [platform_terms, jupiter_policy]
    assert "Accept the current terms of access first" in refused.value.messages[0]
    offered.refresh_from_db()
    assert offered.status == GrantStatus.OFFERED and offered.application.status == Status.OFFERED  # rolled back

    accept_current_terms(alice, gigafactories=[])  # the platform terms alone are not enough
    with pytest.raises(TermsNotAccepted) as still:
        capacity_services.offer_respond(grant_id=offered.pk, accept=True, by=alice)
    assert still.value.versions == [jupiter_policy]

    accept_current_terms(alice, [offered.gigafactory])
    assert capacity_services.offer_respond(grant_id=offered.pk, accept=True, by=alice).status == GrantStatus.ACCEPTED


def test_declining_needs_no_terms(offered, alice, terms):
    assert capacity_services.offer_respond(grant_id=offered.pk, accept=False, by=alice).status == GrantStatus.DECLINED


def test_a_version_accepted_before_a_new_one_no_longer_opens_the_offer(offered, alice, carol, terms):
    accept_current_terms(alice, [offered.gigafactory])
    newer = published_terms(by=carol, title="Terms of access, 2027", changes="Export control clause.")
    with pytest.raises(TermsNotAccepted) as refused:
        capacity_services.offer_respond(grant_id=offered.pk, accept=True, by=alice)
    assert refused.value.versions == [newer]


def test_the_offer_page_leads_to_the_terms_and_back_to_the_offer(client, offered, alice, terms):
    client.force_login(alice)
    grant_url = reverse("grant_detail", args=[offered.pk])
    page = client.get(grant_url).content.decode()
    assert 'id="terms-needed"' in page and "Accept the offer" not in page
    terms_url = f"/terms/?gigafactory=jupiter&next={grant_url.replace('/', '%2F')}"
    assert terms_url.replace("&", "&amp;") in page

    refused = client.post(reverse("grant_respond", args=[offered.pk]), {"answer": "accept"})
    assert refused.status_code == 302 and refused.url == terms_url

    terms_page = client.get(terms_url).content.decode()
    assert "No mining of cryptocurrencies." in terms_page and "Use the hours for the project." in terms_page
    missing_box = client.post("/terms/accept/", {"version": [t.pk for t in terms], "next": grant_url})
    assert missing_box.status_code == 400 and "Tick the box" in missing_box.content.decode()
    accepted = client.post("/terms/accept/", {"version": [t.pk for t in terms], "agree": "on", "next": grant_url})
    assert accepted.status_code == 302 and accepted.url == grant_url
    assert "Accept the offer" in client.get(grant_url).content.decode()
    assert client.post(reverse("grant_respond", args=[offered.pk]), {"answer": "accept"}).url == grant_url
    offered.refresh_from_db()
    assert offered.status == GrantStatus.ACCEPTED


def test_the_terms_page_never_redirects_off_site(client, alice, terms, offered):
    client.force_login(alice)
    response = client.post(
        "/terms/accept/", {"version": [t.pk for t in terms], "agree": "on", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/terms/"


def test_the_offer_api_says_which_terms_to_accept(offered, alice, terms):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post(f"/api/v1/grants/{offered.pk}/accept/")
    assert response.status_code == 400
    assert response.json()["code"] == "terms_not_accepted"
    assert response.json()["terms"] == [str(t.pk) for t in terms]
    for version in terms:
        assert api.post("/api/v1/terms-acceptances/", {"version": version.pk}, format="json").status_code == 201
    assert api.post(f"/api/v1/grants/{offered.pk}/accept/").status_code == 200


# --- gate 2: the cluster account ------------------------------------------------------------------------------------


def _team_member(grant, gigafactory, email: str, username: str, *, at=None):
    person = UserFactory(email=email)
    ApplicationMember.objects.create(application=grant.application, email=email, user=person)
    provisioning_services.cluster_username_set(user=person, gigafactory=gigafactory, username=username)
    member = provisioning_services.grant_member_add(grant=grant, user=person, by=grant.application.pi)
    if at is not None:
        GrantMember.objects.filter(pk=member.pk).update(added_at=at)
    return person


def test_a_member_who_has_not_accepted_is_withheld_and_listed_for_the_site(grant, gigafactory, cluster, terms):
    ben = _team_member(grant, gigafactory, "ben@aurora-ai.eu", "ben")
    (account,) = provisioning.desired_state(cluster=cluster)["accounts"]
    assert account["users"] == [] and account["pending_terms"] == ["ben"]

    accept_current_terms(ben, gigafactories=[])  # the platform terms only: the site's policy is missing
    assert provisioning.desired_state(cluster=cluster)["accounts"][0]["pending_terms"] == ["ben"]

    accept_current_terms(ben, [gigafactory])
    (account,) = provisioning.desired_state(cluster=cluster)["accounts"]
    assert account["users"] == ["ben"] and account["pending_terms"] == []


def test_a_new_version_keeps_existing_accounts_but_withholds_members_added_after_it(
    grant, gigafactory, cluster, carol, terms
):
    earlier = timezone.now() - dt.timedelta(hours=1)
    ben = _team_member(grant, gigafactory, "ben@aurora-ai.eu", "ben", at=earlier)
    accept_current_terms(ben, [gigafactory])
    newer = published_terms(by=carol, title="Terms of access, 2027")
    finn = _team_member(grant, gigafactory, "finn@aurora-ai.eu", "finn")
    platform_v1, jupiter_policy = terms
    TermsAcceptance.objects.create(user=finn, version=platform_v1, accepted_at=earlier)  # for another grant, earlier
    services.terms_accept(user=finn, version_ids=[jupiter_policy.pk], by=finn)

    (account,) = provisioning.desired_state(cluster=cluster)["accounts"]
    assert account["users"] == ["ben"]  # ben joined before the new version: his account stays
    assert account["pending_terms"] == ["finn"]  # finn joined after it and accepted only the earlier one

    services.terms_accept(user=finn, version_ids=[newer.pk], by=finn)
    assert provisioning.desired_state(cluster=cluster)["accounts"][0]["users"] == ["ben", "finn"]


def test_the_team_page_marks_who_waits_for_the_terms(client, terms, grant, gigafactory, alice):
    _team_member(grant, gigafactory, "ben@aurora-ai.eu", "ben")
    client.force_login(alice)
    page = client.get(reverse("grant_team", args=[grant.pk])).content.decode()
    assert page.count("not accepted yet: no account until then") == 1  # ben; alice accepted with her offer


def test_the_agent_api_exposes_pending_terms(grant, gigafactory, cluster, carol, terms):
    from tests.factories.usage import cluster_token

    _team_member(grant, gigafactory, "ben@aurora-ai.eu", "ben")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Cluster {cluster_token(cluster, by=carol)}")
    body = api.get("/api/v1/clusters/jupiter/desired-state/").json()
    assert body["accounts"][0]["pending_terms"] == ["ben"]
