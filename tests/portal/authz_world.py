"""The shared data set of the authorization matrix (test_authorization_matrix.py): one object of each kind the
routes name, and a signed-in client per persona."""

import datetime as dt

from django.test import Client
from django.utils import timezone


def _login(client: Client, user, *, mfa: bool) -> Client:
    from tests import conftest

    if mfa and hasattr(conftest, "login_staff"):
        return conftest.login_staff(client, user)
    client.force_login(user)
    return client


def build() -> dict:
    from accounts import services as accounts_services
    from accounts.models import MembershipRole
    from accounts.roles import PlatformRole
    from allocations.models.call_forms import CallDocumentSlot, CallQuestion, QuestionKind
    from allocations.models.reports import FinalReport
    from allocations.postaward.changes import services as change_services
    from allocations.terms import services as terms_services
    from allocations.usage import services as usage_services
    from ledger import services as ledger_services
    from ledger.models import Account
    from reviews import services as review_services
    from reviews.models import Review, ReviewAssignment
    from tests.conftest import activate_totp
    from tests.factories import (
        CallFactory,
        ClusterFactory,
        GigafactoryFactory,
        MembershipFactory,
        OrganisationFactory,
        PartnerFactory,
        TrancheFactory,
        UserFactory,
        active_grant,
        ensure_platform_groups,
        period_with_pools,
        reviewer,
        sacct_upload,
    )
    from tests.factories.reviews import passed_check, submitted_application
    from tests.factories.terms import accept_current_terms, published_terms
    from tests.factories.usage import cluster_token

    ensure_platform_groups()
    pi = UserFactory(email="pi@aurora.example", full_name="Pia Investigator")
    org = OrganisationFactory(legal_name="Aurora AI OÜ", country="EE", type="startup")
    MembershipFactory(organisation=org, user=pi, role=MembershipRole.OWNER)
    member = UserFactory(email="member@aurora.example")
    membership = MembershipFactory(organisation=org, user=member, role=MembershipRole.MEMBER)
    other = UserFactory(email="other@elsewhere.example")
    MembershipFactory(organisation=OrganisationFactory(country="FR"), user=other, role=MembershipRole.OWNER)
    cm = activate_totp(UserFactory(email="cm@eurohpc.example", roles=[PlatformRole.CALL_MANAGER]))
    aa = activate_totp(UserFactory(email="aa@eurohpc.example", roles=[PlatformRole.ALLOCATION_ADMIN]))
    fin = activate_totp(UserFactory(email="fin@eurohpc.example", roles=[PlatformRole.FINANCE_ADMIN]))
    nomfa = activate_totp(UserFactory(email="nomfa@eurohpc.example", roles=list(PlatformRole.values)))
    prt = UserFactory(email="contact@partner.example")

    jupiter = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter")
    cluster = ClusterFactory(name="booster", gigafactory=jupiter)
    elsewhere = ClusterFactory(name="elsewhere", gigafactory=GigafactoryFactory(name="Alps", slug="alps"))
    published_terms(by=aa, gigafactory=jupiter)  # the PI accepts it with the offer, as production asks
    grant = active_grant(by=aa, gigafactory=jupiter, organisation=org, pi=pi)
    terms_published = published_terms(by=aa)
    accept_current_terms(pi, [jupiter])
    terms_draft = terms_services.terms_version_create(
        kind=terms_published.kind, gigafactory=None, by=aa, title="Terms, next version", body="Text."
    )
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[jupiter])

    # An application in review: cfl returned it for a conflict, asg accepted; rev is made afterwards, so the
    # conflict's automatic reassignment cannot pick them.
    application = passed_check(submitted_application(call=call, organisation=org, pi=pi), by=cm)
    cfl = activate_totp(reviewer("cfl@uni.example"))
    asg = activate_totp(reviewer("asg@uni.example"))
    (returned,) = review_services.assignments_create(pairs=[(application.pk, cfl.pk)], by=cm)
    review_services.assignment_declare_conflict(assignment_id=returned.pk, by=cfl, reason="former colleague")
    assignment = ReviewAssignment.objects.filter(application=application, reviewer=asg).first()
    if assignment is None:
        (assignment,) = review_services.assignments_create(pairs=[(application.pk, asg.pk)], by=cm)
    review_services.assignment_accept(assignment_id=assignment.pk, by=asg, no_conflict=True)
    rev = activate_totp(reviewer("rev@uni.example"))

    partner = PartnerFactory(name="Nordic Infrastructure Partners", country="SE", contacts=[prt])
    tranche = TrancheFactory(partners=[partner])
    pledge = ledger_services.pledge_record(partner=partner, tranche=tranche, amount_cents=10_000, by=fin)
    in_kind = ledger_services.in_kind_record(partner=partner, tranche=tranche, amount_cents=500, by=fin)
    # A paid-in contribution gives the partner a pool in a later quarter: its contact awards from it.
    paid = ledger_services.pledge_record(partner=partner, tranche=tranche, amount_cents=20_000, by=fin)
    ledger_services.pending_post(pending=paid, by=fin)
    later = period_with_pools(by=aa, gigafactory=jupiter, year=2031, quarter=1, open_shares={call.access_mode_id: 5000})
    partner_pool = later.pools.get(partner=partner)
    invitation = accounts_services.invitation_create(organisation=org, email="new@aurora.example", by=pi)
    token, _key = accounts_services.api_token_create(user=pi, name="laptop")
    usage_import = usage_services.usage_import_create(cluster=cluster, upload=sacct_upload(["x"]), by=aa)
    other_key = cluster_token(elsewhere, by=aa)
    change = change_services.change_request_create(
        grant_id=grant.pk, kind="supplement", justification="matrix", amount_seconds=3600, by=pi
    )
    question = CallQuestion.objects.create(call=call, kind=QuestionKind.values[0], label="Data volume")
    slot = CallDocumentSlot.objects.create(call=call, name="Gantt chart")

    users = {"other": other, "member": member, "pi": pi, "rev": rev, "cfl": cfl, "asg": asg}
    users |= {"cm": cm, "aa": aa, "fin": fin, "prt": prt, "nomfa": nomfa}
    clients = {"anon": Client(raise_request_exception=False)}
    for name, user in users.items():
        staff = name in ("rev", "cfl", "asg", "cm", "aa", "fin")
        clients[name] = _login(Client(raise_request_exception=False), user, mfa=staff)
    clients["clu"] = Client(raise_request_exception=False, headers={"authorization": f"Cluster {other_key}"})
    # The final report of the grant's award, as the beat job opens it once the award has ended.
    report = FinalReport.objects.create(award_id=grant.award_id, due_on=timezone.localdate() + dt.timedelta(days=30))
    objects = {
        "report": report.pk,
        "organisation": org.pk,
        "invitation": invitation.pk,
        "membership": membership.pk,
        "token": token.pk,
        "call": call.slug,
        "cutoff": call.cutoffs.first().pk,
        "question": question.pk,
        "slot": slot.pk,
        "application": application.pk,
        "attachment": application.attachments.first().pk,
        "grant": grant.pk,
        "grant_application": grant.application_id,
        "change_request": change.pk,
        "award": grant.award_id,
        "period": grant.period_id,
        "pool": grant.pool_id,
        "partner_pool": partner_pool.pk,
        "run": grant.run_id,
        "usage_import": usage_import.pk,
        "cluster": cluster.name,
        "assignment": assignment.pk,
        "review": Review.objects.filter(assignment=assignment).values_list("pk", flat=True).first(),
        "partner": partner.pk,
        "account": Account.objects.filter(partner=partner).values_list("pk", flat=True).first(),
        "pledge": pledge.pk,
        "transfer": in_kind.pk,
        "terms_published": terms_published.pk,
        "terms_draft": terms_draft.pk,
    }
    return {"clients": clients, "objects": objects}
