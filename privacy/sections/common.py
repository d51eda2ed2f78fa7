"""What every section uses: who acted, as a part, and the applications the person is on."""

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models import Application

Rows = list[dict]


def actor_part(actor_id: int | None, *, user: User, team: set[int] = frozenset()) -> str:
    """Who acted, as a part and never as a name."""
    if actor_id is None:
        return _("the portal (automatic)")
    if actor_id == user.pk:
        return _("you")
    if actor_id in team:
        return _("a member of your team")
    return _("portal staff")


def my_applications(user: User):
    return (
        Application.objects.filter(
            Q(pi=user)
            | Q(created_by=user)
            | Q(members__user=user)
            | Q(members__email__iexact=user.email)
            | Q(grant_members__user=user)
        )
        .distinct()
        .order_by("pk")
    )


def team_of(application: Application) -> set[int]:
    ids = {application.pi_id, application.created_by_id}
    ids |= {m.user_id for m in application.members.all()} | {m.user_id for m in application.grant_members.all()}
    return {pk for pk in ids if pk}
