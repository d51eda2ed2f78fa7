"""Profile, organisations, members, invitations and API tokens. Thin: parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiTokenForm, InvitationForm, MembershipRoleForm, OrganisationForm, ProfileForm
from accounts.models import Invitation, Membership, Organisation


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                form.add_error(None if field == "__all__" or field not in form.fields else field, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _member_organisation(request, pk: int) -> Organisation:
    try:
        return selectors.organisation_for_member(user=request.user, pk=pk)
    except Organisation.DoesNotExist:
        raise Http404(_("No such organisation."))


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, initial={"full_name": request.user.full_name})
    token_form = ApiTokenForm()
    if request.method == "POST" and form.is_valid():
        request.user.full_name = form.cleaned_data["full_name"]
        request.user.save(update_fields=["full_name"])
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "token_form": token_form,
            "tokens": selectors.tokens_for_user(user=request.user),
            "organisations": selectors.organisations_for_user(user=request.user),
            "invitations": selectors.invitations_for_email(email=request.user.email),
        },
    )


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    new_key = None
    if form.is_valid():
        try:
            _token, new_key = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _apply_errors(form, exc)
    status = 200 if new_key else 400
    return render(
        request,
        "accounts/profile.html",
        {
            "form": ProfileForm(initial={"full_name": request.user.full_name}),
            "token_form": ApiTokenForm() if new_key else form,
            "new_key": new_key,
            "tokens": selectors.tokens_for_user(user=request.user),
            "organisations": selectors.organisations_for_user(user=request.user),
            "invitations": selectors.invitations_for_email(email=request.user.email),
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("Token “%(name)s” was revoked.") % {"name": token.name})
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
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(org)s was registered. You are its owner.") % {"org": organisation})
            return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def organisation_detail(request, pk: int):
    organisation = _member_organisation(request, pk)
    is_owner = selectors.is_owner(user=request.user, organisation=organisation)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "is_owner": is_owner,
            "memberships": selectors.members_of(organisation=organisation),
            "invitations": selectors.pending_invitations(organisation=organisation) if is_owner else [],
            "invitation_form": InvitationForm(),
            "my_membership": selectors.membership_of(user=request.user, organisation=organisation),
        },
    )


@login_required
def organisation_edit(request, pk: int):
    organisation = _member_organisation(request, pk)
    if not selectors.is_owner(user=request.user, organisation=organisation):
        raise PermissionDenied(_("Only owners can edit the organisation."))
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("organisation_detail", pk=organisation.pk)
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def invitation_create(request, pk: int):
    organisation = _member_organisation(request, pk)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("organisation_detail", pk=organisation.pk)
    for error in form.errors.values():
        for message in error:
            messages.error(request, message)
    return redirect("organisation_detail", pk=organisation.pk)


@login_required
@require_POST
def invitation_revoke(request, pk: int, invitation_pk: int):
    organisation = _member_organisation(request, pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("organisation_detail", pk=organisation.pk)


@login_required
@require_POST
def membership_update(request, pk: int, membership_pk: int):
    organisation = _member_organisation(request, pk)
    membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
    form = MembershipRoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose owner or member."))
        services.membership_set_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The role of %(user)s was changed.") % {"user": membership.user})
    return redirect("organisation_detail", pk=organisation.pk)


@login_required
@require_POST
def membership_remove(request, pk: int, membership_pk: int):
    organisation = _member_organisation(request, pk)
    membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("organisation_detail", pk=organisation.pk)
    if leaving:
        messages.success(request, _("You left %(org)s.") % {"org": organisation})
        return redirect("organisation_list")
    messages.success(request, _("%(user)s was removed.") % {"user": membership.user})
    return redirect("organisation_detail", pk=organisation.pk)


@login_required
def invitation_respond(request, token: str):
    error = None
    invitation = None
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.method == "POST" and invitation is not None:
        accept = request.POST.get("answer") == "accept"
        try:
            if accept:
                services.invitation_accept(token=token, by=request.user)
            else:
                services.invitation_decline(token=token, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if accept:
                messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.organisation})
                return redirect("organisation_detail", pk=invitation.organisation_id)
            messages.info(request, _("You declined the invitation."))
            return redirect("profile")
    return render(
        request,
        "accounts/invitation_respond.html",
        {"invitation": invitation, "error": error},
        status=400 if error else 200,
    )
