"""Profile, organisations, members, invitations, API tokens and the staff home. Thin: parse, call, render."""

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import selectors, services
from accounts.forms import (
    ApiTokenForm,
    InvitationAnswerForm,
    InvitationForm,
    MembershipRoleForm,
    OrganisationForm,
    ProfileForm,
)
from accounts.models import Invitation, Membership, Organisation
from accounts.roles import PlatformRole, is_platform_staff, user_roles
from accounts.staff import staff_tools_for
from portal.forms import apply_service_errors
from portal.text import inline_label


def _member_organisation(request, pk: int) -> Organisation:
    """The organisation if the user is a member, else 404: others must not learn that it exists."""
    try:
        return selectors.organisation_for_member(user=request.user, pk=pk)
    except Organisation.DoesNotExist:
        raise Http404(_("No such organisation."))


def _owned_organisation(request, pk: int) -> Organisation:
    """404 for non-members, 403 for members who are not owners."""
    organisation = _member_organisation(request, pk)
    if not selectors.is_owner(user=request.user, organisation=organisation):
        raise PermissionDenied(_("Only owners of the organisation can do this."))
    return organisation


def _profile_context(request, **extra) -> dict:
    return {
        "form": ProfileForm(initial={"full_name": request.user.full_name}),
        "token_form": ApiTokenForm(),
        "tokens": selectors.tokens_for_user(user=request.user),
        "now": timezone.now(),
        "organisations": selectors.organisations_for_user(user=request.user),
        "invitations": selectors.invitations_for_email(email=request.user.email),
        **extra,
    }


@login_required
def profile(request):
    initial = {
        "full_name": request.user.full_name,
        "orcid": request.user.orcid,
        "language": request.user.language or translation.get_language(),
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                user=request.user,
                by=request.user,
                full_name=form.cleaned_data["full_name"],
                orcid=form.cleaned_data["orcid"],
                language=form.cleaned_data["language"] or None,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if request.user.language:
                translation.activate(request.user.language)
            messages.success(request, _("Your profile was saved."))
            response = redirect("profile")
            if request.user.language:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language, samesite="Lax")
            return response
    return render(
        request, "accounts/profile.html", _profile_context(request, form=form), status=400 if form.errors else 200
    )


@login_required
@require_POST
def token_create(request):
    """Shows the new key in this response only (no redirect), so it is never stored or shown again."""
    form = ApiTokenForm(request.POST)
    new_key = None
    if form.is_valid():
        try:
            _token, new_key = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["expires_in_days"],
                mfa_passed=getattr(request.user, "mfa_passed", False),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
    response = render(
        request,
        "accounts/profile.html",
        _profile_context(request, token_form=ApiTokenForm() if new_key else form, new_key=new_key),
        status=200 if new_key else 400,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(
        request, _("The token “%(name)s” was revoked; scripts using it now get 401.") % {"name": token.name}
    )
    return redirect("profile")


@login_required
def organisation_list(request):
    return render(
        request,
        "accounts/organisation_list.html",
        {"organisations": selectors.organisations_for_user(user=request.user)},
    )


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(org)s was registered. You are its owner.") % {"org": organisation})
            return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def organisation_detail(request, pk: int):
    organisation = _member_organisation(request, pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "is_owner": selectors.is_owner(user=request.user, organisation=organisation),
            "memberships": selectors.members_of(organisation=organisation),
        },
    )


@login_required
def organisation_edit(request, pk: int):
    organisation = _owned_organisation(request, pk)
    # The form edits a copy, so the page heading keeps the saved name while errors are shown.
    form = OrganisationForm(request.POST or None, instance=copy.copy(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("organisation_detail", pk=organisation.pk)
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )


def _members_page(request, organisation: Organisation, invitation_form=None, status: int = 200):
    is_owner = selectors.is_owner(user=request.user, organisation=organisation)
    return render(
        request,
        "accounts/organisation_members.html",
        {
            "organisation": organisation,
            "is_owner": is_owner,
            "memberships": selectors.members_of(organisation=organisation),
            "invitations": selectors.pending_invitations(organisation=organisation) if is_owner else [],
            "invitation_form": invitation_form or InvitationForm(),
        },
        status=status,
    )


@login_required
def organisation_members(request, pk: int):
    return _members_page(request, _member_organisation(request, pk))


@login_required
@require_POST
def invitation_create(request, pk: int):
    organisation = _owned_organisation(request, pk)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. The link works once and expires in 7 days.")
                % {"email": invitation.email},
            )
            return redirect("organisation_members", pk=organisation.pk)
    return _members_page(request, organisation, invitation_form=form, status=400)


@login_required
@require_POST
def invitation_revoke(request, pk: int, invitation_pk: int):
    organisation = _owned_organisation(request, pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("organisation_members", pk=organisation.pk)


@login_required
@require_POST
def membership_update(request, pk: int, membership_pk: int):
    organisation = _owned_organisation(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, organisation=organisation
    )
    form = MembershipRoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose owner or member."))
        membership = services.membership_set_role(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user, "role": inline_label(membership.get_role_display())},
        )
    return redirect("organisation_members", pk=organisation.pk)


@login_required
@require_POST
def membership_remove(request, pk: int, membership_pk: int):
    organisation = _member_organisation(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, organisation=organisation
    )
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("organisation_members", pk=organisation.pk)
    if leaving:
        messages.success(request, _("You left %(org)s.") % {"org": organisation})
        return redirect("organisation_list")
    messages.success(request, _("%(user)s was removed from %(org)s.") % {"user": membership.user, "org": organisation})
    return redirect("organisation_members", pk=organisation.pk)


@login_required
def invitation_respond(request, token: str):
    """Shows the invitation and why it cannot be answered (expired, used, other address) before any click."""
    errors: list[str] = []
    invitation = None
    try:
        invitation = services.invitation_from_token(token)
        services.invitation_check(invitation=invitation, by=request.user)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if request.method == "POST" and invitation is not None and not errors:
        form = InvitationAnswerForm(request.POST)
        if not form.is_valid():
            errors.append(_("Choose to accept or decline the invitation."))
        else:
            accept = form.cleaned_data["answer"] == "accept"
            try:
                if accept:
                    services.invitation_accept(token=token, by=request.user)
                else:
                    services.invitation_decline(token=token, by=request.user)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                if accept:
                    messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.organisation})
                    return redirect("organisation_detail", pk=invitation.organisation_id)
                messages.info(request, _("You declined the invitation to %(org)s.") % {"org": invitation.organisation})
                return redirect("profile")
    return render(
        request,
        "accounts/invitation_respond.html",
        {"invitation": invitation, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def staff_home(request):
    """The tools of the user's platform roles. The MFA middleware has already checked two-factor authentication."""
    if not is_platform_staff(request.user):
        raise PermissionDenied(_("This page is for reviewers, call managers, allocation and finance admins."))
    return render(
        request,
        "staff/home.html",
        {
            "roles": [PlatformRole(role).label for role in sorted(user_roles(request.user))],
            "tools": staff_tools_for(request.user),
        },
    )


def set_language(request):
    """Django's language switcher, which also remembers the choice on a signed-in person's account (their emails
    are written in it)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_language_set(user=request.user, language=language)
    return response
