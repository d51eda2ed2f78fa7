"""Reads of change requests: who is what to a request, what a user may see, the staff list."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Membership, User
from accounts.roles import is_allocation_admin
from allocations.capacity.selectors import grants_for_user
from allocations.models.capacity import Grant
from allocations.models.changes import ChangeKind, ChangeRequest, ChangeRequestEvent, ChangeStatus
from allocations.postaward.changes.rules import RUNNING
from allocations.postaward.changes.workflow import Party, actions_for

RELATED = (
    "grant__application__pi",
    "grant__application__organisation",
    "grant__gigafactory",
    "grant__period",
    "target_grant__application__pi",
    "person",
    "requested_by",
    "decided_by",
)


def counterparty_id(request: ChangeRequest) -> int | None:
    """Who must consent: the receiving grant's PI (transfer) or the new PI (PI change); ``None`` for other kinds."""
    if request.kind == ChangeKind.TRANSFER and request.target_grant_id:
        return request.target_grant.application.pi_id
    if request.kind == ChangeKind.PI_CHANGE:
        return request.person_id
    return None


def parties_of(*, user: User | None, request: ChangeRequest) -> frozenset[Party]:
    """What ``user`` is to ``request``: the grant's PI (requester), the other party, an allocation admin (MFA)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    parties = set()
    if request.grant.application.pi_id == user.pk:
        parties.add(Party.REQUESTER)
    if counterparty_id(request) == user.pk:
        parties.add(Party.COUNTERPARTY)
    if is_allocation_admin(user):
        parties.add(Party.ALLOCATION_ADMIN)
    return frozenset(parties)


def available_actions(*, user: User, request: ChangeRequest) -> list:
    return actions_for(request.status, parties_of(user=user, request=request))


def requests_for_user(*, user: User) -> QuerySet[ChangeRequest]:
    """Requests on grants of ``user``'s organisations, and those waiting for ``user``'s consent. Allocation admins
    read them on the staff pages (:func:`requests_for_staff`)."""
    if not user.is_authenticated:
        return ChangeRequest.objects.none()
    member = Membership.objects.filter(organisation_id=OuterRef("grant__application__organisation_id"), user=user)
    return (
        ChangeRequest.objects.filter(Q(Exists(member)) | Q(person=user, kind=ChangeKind.PI_CHANGE))
        .select_related(*RELATED)
        .order_by("-created_at", "-id")
    )


def request_for_user(*, user: User, pk: int) -> ChangeRequest:
    """The request if ``user`` may see it as an applicant; ``ChangeRequest.DoesNotExist`` otherwise."""
    return requests_for_user(user=user).get(pk=pk)


def requests_of_grant(*, grant: Grant) -> list[ChangeRequest]:
    """Every request on the grant or on another slice of its award, and transfers it receives, newest first."""
    on_award = Q(grant__award_id=grant.award_id) if grant.award_id else Q(grant=grant)
    return list(
        ChangeRequest.objects.filter(on_award | Q(target_grant=grant)).select_related(*RELATED).order_by("-created_at")
    )


def requests_for_staff(*, user: User) -> QuerySet[ChangeRequest]:
    """Every request for allocation admins (MFA passed); none for anyone else."""
    if not is_allocation_admin(user):
        return ChangeRequest.objects.none()
    return ChangeRequest.objects.select_related(*RELATED).order_by("-created_at", "-id")


def request_events(*, request: ChangeRequest) -> QuerySet[ChangeRequestEvent]:
    return request.events.select_related("actor").order_by("created_at", "id")


def transfer_targets(*, grant: Grant, user: User) -> QuerySet[Grant]:
    """Running grants of the same organisation on the same Gigafactory, other than ``grant``, that ``user`` sees."""
    return (
        grants_for_user(user=user)
        .filter(
            application__organisation_id=grant.application.organisation_id,
            gigafactory_id=grant.gigafactory_id,
            status__in=RUNNING,
        )
        .exclude(pk=grant.pk)
    )


def requests_to_decide(*, user: User) -> QuerySet[ChangeRequest]:
    """Submitted requests (consent given where needed) waiting for an allocation admin's decision, oldest first."""
    return requests_for_staff(user=user).filter(status=ChangeStatus.SUBMITTED).order_by("created_at", "id")
