"""Reads of the terms of access: the current versions, what a person still has to accept, and who has not.

Documents: the platform's terms (one for the portal) and one acceptable-use policy per Gigafactory. A document
binds only once it has a published version; its current version is the one published last.

Who is bound to accept what:

- **accepting an offer** (the PI): the platform terms and the acceptable-use policy of the offer's Gigafactory
  (:func:`pending_versions`);
- **a cluster account** (each grant team member): the same two, in the version that was current when the member
  was added to the grant's team, or a later one (:func:`provisioning_clearance`): a new version does not take
  accounts already given away, but a member added after it gets an account only after accepting it;
- **at the next visit** (:func:`reacceptance_due`): people on an accepted or active grant, and people who accepted
  an earlier version of a document, are asked to accept its current version.
"""

from collections import defaultdict

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from allocations.models import Gigafactory
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.provisioning import GrantMember
from allocations.models.terms import TermsAcceptance, TermsKind, TermsStatus, TermsVersion

Document = tuple[str, int | None]
LIVE = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE)
CURRENT_CACHE_KEY = "terms:current-ids"


def current_versions() -> dict[Document, TermsVersion]:
    """The current (last published) version of every document that has one, by ``(kind, gigafactory_id)``."""
    versions = (
        TermsVersion.objects.filter(status=TermsStatus.PUBLISHED)
        .select_related("gigafactory")
        .order_by("kind", "gigafactory_id", "-published_at")
        .distinct("kind", "gigafactory_id")
    )
    return {version.document: version for version in versions}


def current_fingerprint() -> str:
    """The ids of the current versions as one string, cached until the next publication (the re-acceptance
    middleware compares it with what it last checked for a session)."""
    value = cache.get(CURRENT_CACHE_KEY)
    if value is None:
        value = ",".join(str(v.pk) for v in sorted(current_versions().values(), key=lambda v: v.pk))
        cache.set(CURRENT_CACHE_KEY, value, timeout=300)
    return value


def forget_current() -> None:
    cache.delete(CURRENT_CACHE_KEY)


def required_documents(gigafactory_ids) -> list[Document]:
    """The platform terms and the acceptable-use policies of ``gigafactory_ids`` (in that order)."""
    return [(TermsKind.PLATFORM, None), *((TermsKind.ACCEPTABLE_USE, pk) for pk in sorted(set(gigafactory_ids)))]


def pending_versions(*, user: User, gigafactory_ids, current: dict | None = None) -> list[TermsVersion]:
    """The current versions of the documents of ``gigafactory_ids`` (platform terms included) that ``user`` has not
    accepted: what stands between the PI and accepting an offer. Empty when nothing is published. Two queries."""
    current = current_versions() if current is None else current
    wanted = [current[doc] for doc in required_documents(gigafactory_ids) if doc in current]
    if not wanted:
        return []
    accepted = set(TermsAcceptance.objects.filter(user=user, version__in=wanted).values_list("version_id", flat=True))
    return [version for version in wanted if version.pk not in accepted]


def bound_gigafactories(*, user: User) -> set[int]:
    """The Gigafactories of the accepted or active grants ``user`` leads or is on the team of."""
    on_team = GrantMember.objects.filter(application_id=OuterRef("application_id"), user=user)
    return set(
        Grant.objects.filter(status__in=LIVE)
        .filter(Q(application__pi=user) | Exists(on_team))
        .values_list("gigafactory_id", flat=True)
        .distinct()
    )


def reacceptance_due(*, user: User) -> list[TermsVersion]:
    """Current versions ``user`` is bound to and has not accepted: the documents of the Gigafactories of their live
    grants (platform terms included), and every document of which they accepted an earlier version."""
    current = current_versions()
    if not current:
        return []
    live_on = bound_gigafactories(user=user)
    documents = set(required_documents(live_on)) if live_on else set()
    documents |= set(
        TermsAcceptance.objects.filter(user=user).values_list("version__kind", "version__gigafactory_id").distinct()
    )
    wanted = [current[doc] for doc in sorted(documents, key=_document_order) if doc in current]
    accepted = set(TermsAcceptance.objects.filter(user=user, version__in=wanted).values_list("version_id", flat=True))
    return [version for version in wanted if version.pk not in accepted]


def _document_order(document: Document) -> tuple:
    kind, gigafactory_id = document
    return (kind != TermsKind.PLATFORM, gigafactory_id or 0)


def acceptances_of(*, user: User) -> QuerySet[TermsAcceptance]:
    """Everything ``user`` accepted, newest first, with the versions and their Gigafactories."""
    return TermsAcceptance.objects.filter(user=user).select_related("version", "version__gigafactory")


def published_version(*, pk: int) -> TermsVersion:
    """A published version (any, current or not); drafts raise ``DoesNotExist`` like unknown ids."""
    return TermsVersion.objects.select_related("gigafactory").get(pk=pk, status=TermsStatus.PUBLISHED)


# --- provisioning gate ------------------------------------------------------------------------------------------

# The documents that bind on a Gigafactory (those with a published version), and whether a grant team member ``m``
# accepted each in the version current when they joined the team (``added_at``) or a later one.
DOCUMENTS_CTE = """
WITH documents AS (
    SELECT DISTINCT kind, gigafactory_id FROM allocations_termsversion
    WHERE status = 'published' AND (gigafactory_id IS NULL OR gigafactory_id = %(gigafactory)s)
)
"""
MEMBER_CLEARED = """NOT EXISTS (
    SELECT 1 FROM documents d WHERE NOT EXISTS (
        SELECT 1 FROM allocations_termsacceptance a
        JOIN allocations_termsversion v ON v.id = a.version_id
        WHERE a.user_id = m.user_id AND v.kind = d.kind AND v.gigafactory_id IS NOT DISTINCT FROM d.gigafactory_id
          AND v.published_at >= COALESCE((
              SELECT max(p.published_at) FROM allocations_termsversion p
              WHERE p.status = 'published' AND p.kind = d.kind
                AND p.gigafactory_id IS NOT DISTINCT FROM d.gigafactory_id AND p.published_at <= m.added_at
          ), '-infinity'::timestamptz)
    )
)"""
# Composed of the constant fragments above; every value is a query parameter.
CLEARANCE_SQL = f"""{DOCUMENTS_CTE}
SELECT m.application_id, u.username, {MEMBER_CLEARED} AS cleared
FROM allocations_grantmember m
JOIN allocations_clusterusername u ON u.user_id = m.user_id AND u.gigafactory_id = %(gigafactory)s
WHERE m.application_id IN (SELECT application_id FROM allocations_grant WHERE gigafactory_id = %(gigafactory)s)
ORDER BY m.application_id, u.username
"""  # noqa: S608
WITHHELD_SQL = f"""{DOCUMENTS_CTE}
SELECT m.user_id FROM allocations_grantmember m WHERE m.application_id = %(application)s AND NOT {MEMBER_CLEARED}
"""  # noqa: S608


def provisioning_clearance(*, gigafactory_id: int) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """``(cleared, pending)``: per application with a grant on the Gigafactory, the cluster user names of its grant
    team members who may get an account, and of those withheld until they accept the terms (one query)."""
    cleared: dict[int, list[str]] = defaultdict(list)
    pending: dict[int, list[str]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(CLEARANCE_SQL, {"gigafactory": gigafactory_id})
        for application_id, username, ok in cursor.fetchall():
            (cleared if ok else pending)[application_id].append(username)
    return dict(cleared), dict(pending)


def withheld_members(*, application_id: int, gigafactory_id: int) -> set[int]:
    """The user ids of an application's grant team whom the provisioning gate withholds on the Gigafactory until
    they accept the terms (the team page marks them). One query."""
    with connection.cursor() as cursor:
        cursor.execute(WITHHELD_SQL, {"gigafactory": gigafactory_id, "application": application_id})
        return {row[0] for row in cursor.fetchall()}


# --- staff ------------------------------------------------------------------------------------------------------


def documents_overview() -> list[dict]:
    """Per document (platform terms, then each Gigafactory's policy): its current version, its drafts, and how many
    people bound to it have not accepted the current version. For the staff page; a few queries per document."""
    versions = list(TermsVersion.objects.select_related("gigafactory").order_by("kind", "gigafactory_id", "-number"))
    by_document: dict[Document, list[TermsVersion]] = defaultdict(list)
    for version in versions:
        by_document[version.document].append(version)
    rows = []
    for gigafactory in [None, *Gigafactory.objects.order_by("name")]:
        document = (TermsKind.PLATFORM, None) if gigafactory is None else (TermsKind.ACCEPTABLE_USE, gigafactory.pk)
        history = by_document.get(document, [])
        published = [v for v in history if v.status == TermsStatus.PUBLISHED]
        current = max(published, key=lambda v: v.published_at) if published else None
        rows.append(
            {
                "document": document,
                "gigafactory": gigafactory,
                "current": current,
                "drafts": [v for v in history if v.status == TermsStatus.DRAFT],
                "versions": history,
                "missing": len(not_accepted(version=current)) if current else 0,
            }
        )
    return rows


def bound_people(*, document: Document, gigafactory_id: int | None = None) -> dict[int, dict]:
    """People bound to a document through a grant that is offered, accepted or active (PIs and team members), by
    user id, with their role. For the platform terms, ``gigafactory_id`` narrows to one Gigafactory's grants."""
    _kind, document_gigafactory = document
    grants = Grant.objects.filter(status__in=(GrantStatus.OFFERED, *LIVE))
    if document_gigafactory is not None:
        grants = grants.filter(gigafactory_id=document_gigafactory)
    elif gigafactory_id is not None:
        grants = grants.filter(gigafactory_id=gigafactory_id)
    applications = grants.values("application_id")
    people: dict[int, dict] = {}
    for user_id, reference in Grant.objects.filter(application_id__in=applications).values_list(
        "application__pi_id", "application__reference"
    ):
        if user_id:
            people.setdefault(user_id, {"roles": set(), "references": set()})
            people[user_id]["roles"].add("pi")
            people[user_id]["references"].add(reference)
    for user_id, reference in GrantMember.objects.filter(application_id__in=applications).values_list(
        "user_id", "application__reference"
    ):
        people.setdefault(user_id, {"roles": set(), "references": set()})
        people[user_id]["roles"].add("member")
        people[user_id]["references"].add(reference)
    return people


def not_accepted(*, version: TermsVersion, gigafactory_id: int | None = None) -> list[dict]:
    """The people bound to ``version``'s document (see :func:`bound_people`) who have not accepted it, by name, each
    with their role, applications and the last version of the document they did accept (``None``: never)."""
    people = bound_people(document=version.document, gigafactory_id=gigafactory_id)
    accepted = set(
        TermsAcceptance.objects.filter(version=version, user_id__in=people).values_list("user_id", flat=True)
    )
    missing = [pk for pk in people if pk not in accepted]
    last: dict[int, int] = {}
    for user_id, number in (
        TermsAcceptance.objects.filter(
            user_id__in=missing, version__kind=version.kind, version__gigafactory_id=version.gigafactory_id
        )
        .order_by("version__number")
        .values_list("user_id", "version__number")
    ):
        last[user_id] = number
    users = User.objects.filter(pk__in=missing).order_by("full_name", "email")
    return [
        {
            "user": user,
            "roles": sorted(people[user.pk]["roles"]),
            "references": sorted(ref for ref in people[user.pk]["references"] if ref),
            "last_accepted": last.get(user.pk),
        }
        for user in users
    ]
