"""Usage pages: staff upload and import reports (under /staff/usage/, allocation admins) and the grantee's usage
page with the burn-down (/grants/<id>/usage/). Thin: parse, call a service or selector, render."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import User
from allocations.capacity.selectors import admin_access
from allocations.models.capacity import Grant
from allocations.models.provisioning import ClusterUsername
from allocations.models.usage import Cluster, UsageImport
from allocations.terms.selectors import withheld_members
from allocations.usage import provisioning, selectors, services
from allocations.usage.forms import (
    ClusterForm,
    ClusterTokenForm,
    ClusterUsernameForm,
    GrantMemberForm,
    UsageUploadForm,
)
from allocations.usage.sacct import Reason
from allocations.usage.services import provisioning as provisioning_services
from portal.forms import apply_service_errors
from site_agent import reconcile

REJECTS_ON_PAGE = 200
REASON_LABELS = {
    Reason.MALFORMED: gettext_lazy("Malformed line"),
    Reason.BAD_JOB_ID: gettext_lazy("Bad job id"),
    Reason.MISSING_FIELD: gettext_lazy("Missing field"),
    Reason.BAD_DATE: gettext_lazy("Bad date"),
    Reason.END_BEFORE_START: gettext_lazy("End before start"),
    Reason.BAD_ELAPSED: gettext_lazy("Bad elapsed time"),
    Reason.NEGATIVE_ELAPSED: gettext_lazy("Negative elapsed time"),
    Reason.MALFORMED_TRES: gettext_lazy("Malformed TRES"),
    Reason.BAD_GPUS: gettext_lazy("Bad GPU count"),
    Reason.UNKNOWN_ACCOUNT: gettext_lazy("Unknown account"),
    Reason.WRONG_CLUSTER: gettext_lazy("Wrong cluster"),
}


def _require_admin(request) -> None:
    """Allocation admins pass; other platform staff get 403; everybody else 404."""
    access = admin_access(request.user)
    if access == "admin":
        return
    if access == "staff":
        raise PermissionDenied(_("Only allocation admins can open this page."))
    raise Http404


def _get_import(pk: int) -> UsageImport:
    try:
        return selectors.import_detail(pk=pk)
    except UsageImport.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def usage_imports(request):
    """Upload a file for a cluster; the list of recent imports and of grants over their hours."""
    _require_admin(request)
    form = UsageUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            usage_import = services.usage_import_create(
                cluster=form.cleaned_data["cluster"],
                upload=form.cleaned_data["file"],
                fmt=form.cleaned_data["format"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The file is queued for import."))
            return redirect("usage_import_detail", pk=usage_import.pk)
    page = Paginator(selectors.imports_list(), 25).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "over_quota": selectors.grants_over_quota()}
    return render(request, "allocations/usage/imports.html", context, status=400 if form.errors else 200)


def _report_context(usage_import: UsageImport) -> dict:
    rejects = [
        {"line": line, "reason": REASON_LABELS.get(reason, reason), "detail": detail}
        for line, reason, detail in usage_import.rejects[:REJECTS_ON_PAGE]
    ]
    return {"usage_import": usage_import, "rejects": rejects, "rejects_shown": len(rejects)}


@login_required
def usage_import_detail(request, pk: int):
    _require_admin(request)
    return render(request, "allocations/usage/import_detail.html", _report_context(_get_import(pk)))


@login_required
def usage_import_progress(request, pk: int):
    """The progress box, polled by htmx while the import runs; once finished the page reloads for the report."""
    _require_admin(request)
    usage_import = _get_import(pk)
    response = render(request, "allocations/usage/partials/progress.html", {"usage_import": usage_import})
    if usage_import.is_finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or a tab/CR) is prefixed with a quote."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def usage_import_rejects(request, pk: int):
    """Every rejected line of an import as CSV: line, reason code, reason, detail."""
    _require_admin(request)
    usage_import = _get_import(pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-import-{usage_import.pk}-rejects.csv"'
    writer = csv.writer(response)
    writer.writerow([_("line"), _("reason code"), _("reason"), _("detail")])
    for line, reason, detail in usage_import.rejects:
        writer.writerow([line, reason, _csv_cell(REASON_LABELS.get(reason, reason)), _csv_cell(detail)])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def usage_clusters(request):
    """Register clusters and issue push tokens (the key is shown once, on the response to the form)."""
    _require_admin(request)
    cluster_form = ClusterForm(request.POST if request.POST.get("form") == "cluster" else None, prefix="cluster")
    token_form = ClusterTokenForm(request.POST if request.POST.get("form") == "token" else None, prefix="token")
    new_key = None
    if request.method == "POST":
        try:
            if cluster_form.is_bound and cluster_form.is_valid():
                data = cluster_form.cleaned_data
                services.cluster_create(
                    name=data["name"], gigafactory=data["gigafactory"], time_zone=data["time_zone"], by=request.user
                )
                messages.success(request, _("Cluster registered."))
                return redirect("usage_clusters")
            if token_form.is_bound and token_form.is_valid():
                data = token_form.cleaned_data
                _token, new_key = services.cluster_token_create(
                    cluster=data["cluster"], name=data["name"], by=request.user
                )
                token_form = ClusterTokenForm(prefix="token")
        except ValidationError as exc:
            apply_service_errors(cluster_form if cluster_form.is_bound else token_form, exc)
    invalid = bool(cluster_form.errors or token_form.errors)
    context = {
        "clusters": selectors.clusters_list(),
        "tokens": selectors.tokens_list(),
        "cluster_form": cluster_form,
        "token_form": token_form,
        "new_key": new_key,
    }
    return render(request, "allocations/usage/clusters.html", context, status=400 if invalid else 200)


@login_required
def grant_usage(request, pk: int):
    """The grant's usage for its team and the allocation admins: alert banner, burn-down chart and its table,
    the exhaustion forecast. Others get 404."""
    try:
        grant = selectors.grant_for_usage(user=request.user, pk=pk)
    except Grant.DoesNotExist:
        raise Http404 from None
    usage = selectors.grant_usage(grant=grant)
    context = {"grant": grant, "usage": usage, "chart": selectors.chart_data(usage)}
    return render(request, "allocations/usage/grant_usage.html", context)


# --- provisioning -----------------------------------------------------------------------------------------------


def _visible_grant(request, pk: int) -> Grant:
    try:
        return selectors.grant_for_usage(user=request.user, pk=pk)
    except Grant.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def grant_team(request, pk: int):
    """The grant's team (who gets a Slurm account) and its provisioning per cluster. The team and the allocation
    admins see it (others 404); only the PI adds and removes people (others 403)."""
    grant = _visible_grant(request, pk)
    candidates = User.objects.filter(
        pk__in=[u.pk for u in provisioning_services.team_candidates(application=grant.application)]
    ).order_by("full_name", "email")
    form = GrantMemberForm(request.POST if request.POST.get("action") == "add" else None, candidates=candidates)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            user_id = request.POST.get("user", "")
            if not user_id.isdecimal():
                raise Http404
            provisioning_services.grant_member_remove(grant=grant, user_id=int(user_id), by=request.user)
            messages.success(request, _("Removed. The next run of the site agent takes the account away."))
            return redirect("grant_team", pk=grant.pk)
        if form.is_valid():
            try:
                provisioning_services.grant_member_add(grant=grant, user=form.cleaned_data["user"], by=request.user)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Added. The next run of the site agent creates the account."))
                return redirect("grant_team", pk=grant.pk)
    members = provisioning.grant_team(grant=grant)
    usernames = dict(
        ClusterUsername.objects.filter(
            gigafactory_id=grant.gigafactory_id, user_id__in=[m.user_id for m in members]
        ).values_list("user_id", "username")
    )
    withheld = withheld_members(application_id=grant.application_id, gigafactory_id=grant.gigafactory_id)
    context = {
        "grant": grant,
        "members": [
            {"member": m, "username": usernames.get(m.user_id), "terms_pending": m.user_id in withheld} for m in members
        ],
        "form": form,
        "is_pi": grant.application.pi_id == request.user.pk,
        "clusters": provisioning.grant_provisioning(grant=grant),
    }
    return render(request, "allocations/usage/grant_team.html", context, status=400 if form.errors else 200)


@login_required
def grant_sacctmgr_script(request, pk: int, cluster: str):
    """The sacctmgr commands that create the grant's account on a cluster, for sites without the agent."""
    grant = _visible_grant(request, pk)
    try:
        target = Cluster.objects.get(name=cluster, gigafactory_id=grant.gigafactory_id)
    except Cluster.DoesNotExist:
        raise Http404 from None
    wanted = [a for a in provisioning.desired_accounts(cluster=target) if a.name == grant.slurm_account.lower()]
    lines = [
        "#!/bin/sh",
        f"# {grant.slurm_account} on {target.name}: run as a Slurm administrator. Safe to run again: sacctmgr",
        "# answers 'Nothing new added' for what exists. Limits: GrpTRESMins=gres/gpu in GPU-minutes.",
        "set -u",
        reconcile.script(reconcile.plan(wanted, {})).rstrip("\n"),
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/x-shellscript; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{grant.slurm_account}-{target.name}.sh"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def cluster_usernames(request):
    """Each person registers the user name the Gigafactory's site gave them; grants provision it."""
    form = ClusterUsernameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provisioning_services.cluster_username_set(
                user=request.user,
                gigafactory=form.cleaned_data["gigafactory"],
                username=form.cleaned_data["username"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("cluster_usernames")
    names = ClusterUsername.objects.filter(user=request.user).select_related("gigafactory")
    context = {"form": form, "names": names}
    return render(request, "allocations/usage/cluster_usernames.html", context, status=400 if form.errors else 200)


@login_required
def cluster_provisioning(request, name: str):
    """Staff: a cluster's site agent: heartbeat, the last reports, the drift and the status of each account."""
    _require_admin(request)
    try:
        cluster = Cluster.objects.select_related("gigafactory").get(name=name)
    except Cluster.DoesNotExist:
        raise Http404 from None
    return render(
        request, "allocations/usage/cluster_provisioning.html", provisioning.cluster_overview(cluster=cluster)
    )
