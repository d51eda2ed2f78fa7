"""Reads for accounts: what a user may see. Non-members get nothing (views turn that into 404)."""

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.models import ApiToken, Invitation, InvitationStatus, Membership, MembershipRole, Organisation, User


def organisations_for_user(*, user: User) -> QuerySet[Organisation]:
    """Organisations ``user`` belongs to, annotated with ``member_count`` and ``my_role`` (one query)."""
    member_count = (
        Membership.objects.filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    my_role = Membership.objects.filter(organisation=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Organisation.objects.filter(memberships__user=user)
        .annotate(
            member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), 0),
            my_role=Subquery(my_role),
        )
        .order_by("legal_name", "id")
    )


def organisation_for_member(*, user: User, pk: int) -> Organisation:
    """The organisation if ``user`` is a member; ``Organisation.DoesNotExist`` otherwise (a 404, never a 403)."""
    return organisations_for_user(user=user).get(pk=pk)


def membership_of(*, user: User, organisation: Organisation) -> Membership | None:
    return Membership.objects.filter(user=user, organisation=organisation).first()


def is_owner(*, user: User, organisation: Organisation) -> bool:
    role = getattr(organisation, "my_role", None)
    if role is not None:
        return role == MembershipRole.OWNER
    return Membership.objects.filter(user=user, organisation=organisation, role=MembershipRole.OWNER).exists()


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    """Members of an organisation, owners first. Callers check that the reader is a member."""
    owners_first = Case(When(role=MembershipRole.OWNER, then=Value(0)), default=Value(1))
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by(owners_first, "user__email", "pk")
    )


def pending_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    """Pending invitations of an organisation (owners only; callers check)."""
    return Invitation.objects.filter(organisation=organisation, status=InvitationStatus.PENDING).select_related(
        "invited_by", "organisation"
    )


def invitations_for_email(*, email: str) -> QuerySet[Invitation]:
    return Invitation.objects.filter(email__iexact=email, status=InvitationStatus.PENDING).select_related(
        "organisation"
    )


def tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, active ones first. Only the prefix of each key is known."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
