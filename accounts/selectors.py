"""Reads for accounts: what a user may see. Non-members get nothing (views turn that into 404)."""

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import ApiToken, Invitation, InvitationStatus, Membership, MembershipRole, Organisation, User


def organisations_for_user(*, user: User) -> QuerySet[Organisation]:
    """Organisations ``user`` belongs to, with their member count and the user's role annotated."""
    return (
        Organisation.objects.filter(memberships__user=user)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("legal_name", "id")
    )


def organisation_for_member(*, user: User, pk: int) -> Organisation:
    """The organisation if ``user`` is a member; ``Organisation.DoesNotExist`` otherwise."""
    return Organisation.objects.filter(memberships__user=user).get(pk=pk)


def membership_of(*, user: User, organisation: Organisation) -> Membership | None:
    return Membership.objects.filter(user=user, organisation=organisation).first()


def is_owner(*, user: User, organisation: Organisation) -> bool:
    return Membership.objects.filter(user=user, organisation=organisation, role=MembershipRole.OWNER).exists()


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("role", "user__email")


def pending_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organisation=organisation, status=InvitationStatus.PENDING).select_related(
        "invited_by"
    )


def invitations_for_email(*, email: str) -> QuerySet[Invitation]:
    return Invitation.objects.filter(email__iexact=email, status=InvitationStatus.PENDING).select_related(
        "organisation"
    )


def tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def organisations_with_members(*, user: User) -> QuerySet[Organisation]:
    return organisations_for_user(user=user).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("user"))
    )
