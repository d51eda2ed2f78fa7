"""The account: profile, addresses, authenticators, tokens, cluster names, terms accepted, organisations,
invitations, partners and the audit trail."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Q

from accounts.models import ApiToken, Invitation, Membership, User
from accounts.roles import held_roles
from allocations.models import ClusterUsername, TermsAcceptance
from audit.models import AuditEvent, ObjectType
from ledger.models import Partner
from privacy.sections.common import Rows, actor_part


def profile_rows(user: User) -> Rows:
    return [
        {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "time_zone": user.timezone,
            "orcid": user.orcid,
            "language": user.language,
            "active": user.is_active,
            "platform_roles": sorted(held_roles(user)),
        }
    ]


def email_rows(user: User) -> Rows:
    return list(EmailAddress.objects.filter(user=user).order_by("pk").values("email", "verified", "primary"))


def authenticator_rows(user: User) -> Rows:
    return list(Authenticator.objects.filter(user=user).order_by("pk").values("type", "created_at", "last_used_at"))


def token_rows(user: User) -> Rows:
    fields = ("name", "key_prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    return list(ApiToken.objects.filter(user=user).order_by("pk").values(*fields, "revoked_reason"))


def cluster_username_rows(user: User) -> Rows:
    return [
        {"gigafactory": row.gigafactory.name, "username": row.username, "updated_at": row.updated_at}
        for row in ClusterUsername.objects.filter(user=user).select_related("gigafactory").order_by("pk")
    ]


def organisation_rows(user: User) -> Rows:
    return [
        {
            "organisation": m.organisation.legal_name,
            "country": str(m.organisation.country),
            "role": m.get_role_display(),
            "member_since": m.created_at,
        }
        for m in Membership.objects.filter(user=user).select_related("organisation").order_by("pk")
    ]


def invitation_rows(user: User) -> Rows:
    invitations = Invitation.objects.filter(
        Q(invited_by=user) | Q(responded_by=user) | Q(email__iexact=user.email)
    ).select_related("organisation")
    return [
        {
            "organisation": invitation.organisation.legal_name,
            "email": invitation.email,
            "role": invitation.get_role_display(),
            "status": invitation.get_status_display(),
            "sent_by": actor_part(invitation.invited_by_id, user=user),
            "created_at": invitation.created_at,
            "responded_at": invitation.responded_at,
        }
        for invitation in invitations.order_by("pk")
    ]


def partner_rows(user: User) -> Rows:
    return [{"partner": p.name, "kind": p.get_kind_display()} for p in Partner.objects.filter(contact_users=user)]


def audit_rows(user: User) -> Rows:
    """Changes the person made, and changes others made to their account (by part, not by name)."""
    tokens = [str(pk) for pk in ApiToken.objects.filter(user=user).values_list("pk", flat=True)]
    about_me = Q(object_type=ObjectType.USER, object_id=str(user.pk)) | Q(
        object_type=ObjectType.TOKEN, object_id__in=tokens
    )
    events = AuditEvent.objects.filter(Q(actor=user) | about_me).order_by("at", "pk")
    return [
        {
            "at": e.at,
            "action": e.action,
            "object_type": e.get_object_type_display(),
            "object_id": e.object_id,
            "object": e.object_label if e.actor_id == user.pk else "",
            "changes": e.changes,
            "by": actor_part(e.actor_id, user=user),
        }
        for e in events
    ]


def terms_rows(user: User) -> Rows:
    return [
        {
            "document": str(a.version.document_label),
            "version": a.version.number,
            "title": a.version.title,
            "accepted_at": a.accepted_at,
            "language": a.language,
        }
        for a in TermsAcceptance.objects.filter(user=user).select_related("version__gigafactory").order_by("pk")
    ]
