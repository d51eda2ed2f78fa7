"""Capacity pages: periods, pools and runs for allocation admins (under /staff/allocation/, MFA enforced), and
"My grants" for applicants. Thin: parse, call a service or selector, render.

Allocation admins pass; other platform staff get 403; everybody else 404. A grant is visible to the members of
its application's organisation (404 for others); only its PI may answer the offer (403 for other members).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.mfa import mfa_url
from allocations.applications.selectors import roles_of
from allocations.applications.workflow import Role
from allocations.capacity import candidates, selectors, services
from allocations.capacity.forms import DirectAwardForm, PeriodForm, RespondForm, RunForm, SplitForm
from allocations.capacity.selectors import awards as award_selectors
from allocations.models.capacity import AllocationResult, AllocationRun, CapacityPeriod, Grant, GrantStatus, Pool
from allocations.terms.selectors import pending_versions
from allocations.terms.services import TermsNotAccepted
from portal.forms import apply_service_errors


def _require_admin(request) -> None:
    access = selectors.admin_access(request.user)
    if access == "staff":
        raise PermissionDenied(_("Only allocation admins can open this page."))
    if not access:
        raise Http404


def _get(queryset_or_callable, **kwargs):
    try:
        return queryset_or_callable(**kwargs)
    except (CapacityPeriod.DoesNotExist, Pool.DoesNotExist, AllocationRun.DoesNotExist, Grant.DoesNotExist):
        raise Http404


# --- allocation admin ---------------------------------------------------------------------------------------------


@login_required
def capacity_home(request):
    _require_admin(request)
    periods = list(selectors.periods_list())
    for period in periods:
        for pool in period.pools.all():
            pool.balance = selectors.pool_balance(pool.account)
    return render(
        request,
        "allocations/capacity/home.html",
        {"periods": periods, "runs": selectors.runs_for_admin()[:20]},
    )


@login_required
def commitments(request):
    """Allocation admins: the slices of awards already made that wait for each future period, per Gigafactory."""
    _require_admin(request)
    quarters = award_selectors.commitments_by_quarter()
    return render(request, "allocations/capacity/commitments.html", {"quarters": quarters})


@login_required
@require_http_methods(["GET", "POST"])
def period_create(request):
    _require_admin(request)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period = services.period_create(
                gigafactory=data["gigafactory"],
                year=data["year"],
                quarter=data["quarter"],
                accelerators=data["accelerators"],
                availability_percent=data["availability_percent"],
                reserve_percent=data["reserve_percent"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Capacity of %(period)s posted: %(hours)s GPU-hours.")
                % {"period": period, "hours": selectors.hours(period.capacity_seconds)},
            )
            return redirect("capacity_period_detail", pk=period.pk)
    return render(request, "allocations/capacity/period_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def period_detail(request, pk: int):
    _require_admin(request)
    period = _get(selectors.period_detail, pk=pk)
    pools = list(period.pools.all())
    demand = candidates.pool_demand(pools=pools)
    for pool in pools:
        pool.balance = selectors.pool_balance(pool.account)
        pool.demand = demand.get(pool.pk)
    split_form = None
    if not period.is_split:
        split_form = SplitForm(request.POST or None)
        if request.method == "POST" and split_form.is_valid():
            try:
                services.period_split(
                    period_id=period.pk,
                    mode_shares_bp=split_form.shares_bp(),
                    entitlements_on=split_form.cleaned_data["entitlements_on"],
                    scale_commitments=split_form.cleaned_data["scale_commitments"],
                    by=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(split_form, exc)
            else:
                messages.success(request, _("The capacity is split into pools."))
                return redirect("capacity_period_detail", pk=period.pk)
    elif request.method == "POST":
        raise Http404
    waiting = award_selectors.commitments_by_quarter(
        gigafactory_id=period.gigafactory_id, year=period.year, quarter=period.quarter
    )
    context = {
        "period": period,
        "pools": pools,
        "commitments": waiting[0] if waiting else None,
        "open_access": _open_access_arithmetic(period, split_form),
        "split_form": split_form,
        "run_form": RunForm(),
        "pool_total": sum(p.size_seconds for p in pools),
    }
    status = 400 if split_form is not None and split_form.errors else 200
    return render(request, "allocations/capacity/period_detail.html", context, status=status)


def _open_access_arithmetic(period: CapacityPeriod, split_form) -> dict:
    """The open-access share and its GPU-hours, from the contributions of the split's date (or of the date in the
    form, today by default, before the split)."""
    day = period.entitlements_on
    if day is None:
        day = split_form.cleaned_data.get("entitlements_on") if split_form.is_bound and split_form.is_valid() else None
    share = selectors.open_access_share_as_of(day=day or timezone.localdate())
    return {
        "share": share,
        "day": day or timezone.localdate(),
        "seconds": period.capacity_seconds * share.open_bp // 10_000,
    }


@login_required
@require_POST
def run_create(request, pool_pk: int):
    _require_admin(request)
    pool = _get(Pool.objects.select_related("period").get, pk=pool_pk)
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            run = services.run_create(pool=pool, policy=form.cleaned_data["policy"], by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("capacity_run_detail", pk=run.pk)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("capacity_period_detail", pk=pool.period_id)


@login_required
@require_POST
def waitlist_fill(request, pool_pk: int):
    _require_admin(request)
    pool = _get(Pool.objects.select_related("period").get, pk=pool_pk)
    try:
        run = services.waitlist_fill(pool=pool, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("capacity_period_detail", pk=pool.period_id)
    messages.success(request, _("Filling from the waitlist: the offers go out as soon as it is computed."))
    return redirect("capacity_run_detail", pk=run.pk)


def _run_context(run: AllocationRun) -> dict:
    context: dict = {"run": run}
    if run.status in ("succeeded", "committed", "discarded"):
        results = selectors.run_results(run=run)
        count = results.count()
        context["results"] = selectors.with_explanations(results, count=count)
        context["totals"] = AllocationResult.objects.filter(run=run).aggregate(
            requested=Sum("requested_seconds"),
            granted=Sum("granted_seconds"),
            offered=Count("pk", filter=Q(granted_seconds__gt=0)),
            waitlisted=Count("pk", filter=Q(granted_seconds=0)),
        )
        if not count and run.status == "succeeded":
            context["why_nothing"] = candidates.why_no_candidates(pool=run.pool)
    return context


@login_required
def run_detail(request, pk: int):
    _require_admin(request)
    run = _get(selectors.run_detail, pk=pk)
    return render(request, "allocations/capacity/run_detail.html", _run_context(run))


@login_required
def run_status(request, pk: int):
    """The htmx polling fragment: the run's status; once it has finished the page reloads to show the result."""
    _require_admin(request)
    run = _get(selectors.run_detail, pk=pk)
    response = render(request, "allocations/capacity/_run_status.html", {"run": run})
    if run.is_finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_decide(request, pk: int, decision: str):
    _require_admin(request)
    run = _get(selectors.run_detail, pk=pk)
    try:
        if decision == "commit":
            if request.POST.get("confirm") != "yes":
                raise ValidationError(
                    _("Tick the box to confirm that the offers go out now; a commit cannot be undone.")
                )
            services.run_commit(run_id=run.pk, by=request.user)
            messages.success(request, _("Run committed: the offers are on their way."))
        else:
            services.run_discard(run_id=run.pk, by=request.user)
            messages.success(request, _("Run discarded."))
    except ValidationError as exc:
        context = _run_context(selectors.run_detail(pk=pk))
        context["decision_errors"] = exc.messages
        return render(request, "allocations/capacity/run_detail.html", context, status=400)
    return redirect("capacity_run_detail", pk=run.pk)


# --- grants for applicants ----------------------------------------------------------------------------------------


@login_required
def grant_list(request):
    grants = selectors.grants_for_user(user=request.user)
    return render(request, "allocations/grants/list.html", {"grants": grants})


@login_required
def grant_detail(request, pk: int):
    grant = _get(selectors.grant_for_member, user=request.user, pk=pk)
    roles = roles_of(user=request.user, application=grant.application)
    result = AllocationResult.objects.filter(run_id=grant.run_id, application_id=grant.application_id).first()
    count = AllocationResult.objects.filter(run_id=grant.run_id).count()
    can_answer = grant.status == GrantStatus.OFFERED and Role.PI in roles
    context = {
        "grant": grant,
        "can_answer": can_answer,
        "terms_pending": pending_versions(user=request.user, gigafactory_ids=[grant.gigafactory_id])
        if can_answer
        else [],
        "terms_url": _terms_url(grant),
        "explanation": selectors.explanation(result, count=count) if result else "",
        "balance": selectors.pool_balance(grant.account),
        "slices": selectors.award_slices_of(grant=grant),
    }
    return render(request, "allocations/grants/detail.html", context)


def _terms_url(grant: Grant) -> str:
    """The terms page with the offer's Gigafactory's policy, coming back to the offer."""
    query = urlencode({"gigafactory": grant.gigafactory.slug, "next": reverse("grant_detail", args=[grant.pk])})
    return f"{reverse('terms_current')}?{query}"


@login_required
@require_POST
def grant_respond(request, pk: int):
    grant = _get(selectors.grant_for_member, user=request.user, pk=pk)
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or decline the offer."))
        return redirect("grant_detail", pk=grant.pk)
    accept = form.cleaned_data["answer"] == "accept"
    try:
        services.offer_respond(grant_id=grant.pk, accept=accept, by=request.user)
    except TermsNotAccepted as exc:
        messages.warning(request, " ".join(exc.messages))
        return HttpResponse(status=400) if request.htmx else redirect(_terms_url(grant))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponse(status=400) if request.htmx else redirect("grant_detail", pk=grant.pk)
    messages.success(request, _("Offer accepted.") if accept else _("Offer declined; the hours go back to the pool."))
    return redirect("grant_detail", pk=grant.pk)


# --- partner pools: direct awards ---------------------------------------------------------------------------------


def _partner_pages_allowed(request) -> None:
    """Allocation admins and partner contacts; anybody else 404."""
    if not award_selectors.partner_pools_for_user(user=request.user).exists() and not selectors.is_allocation_admin(
        request.user
    ):
        raise Http404


@login_required
def partner_awards(request):
    """The pools a partner's contact (or an allocation admin on the partner's behalf) awards from, and the awards
    made from them."""
    _partner_pages_allowed(request)
    if request.user.mfa_passed is False:
        return redirect(mfa_url(request.user, request.get_full_path()))
    pools = list(award_selectors.partner_pools_for_user(user=request.user))
    for pool in pools:
        pool.balance = selectors.pool_balance(pool.account)
    awards = award_selectors.partner_awards_for_user(user=request.user)[:200]
    return render(request, "allocations/capacity/partner_awards.html", {"pools": pools, "awards": awards})


@login_required
@require_http_methods(["GET", "POST"])
def partner_award_create(request, partner_pool_pk: int):
    pool = _get(award_selectors.partner_pools_for_user(user=request.user).get, pk=partner_pool_pk)
    if request.user.mfa_passed is False:
        return redirect(mfa_url(request.user, request.get_full_path()))
    form = DirectAwardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            award = services.award_direct(
                pool_id=pool.pk,
                application_id=award_selectors.application_id_by_reference(data["reference"]) or 0,
                hours=data["hours"],
                justification=data["justification"],
                by=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # the service names the application; the form asks for its reference
                exc = ValidationError(
                    {("reference" if k == "application" else k): v for k, v in exc.error_dict.items()}
                )
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(hours)s GPU-hours awarded to %(ref)s; the offer is on its way.")
                % {"hours": selectors.hours(award.total_seconds), "ref": data["reference"].strip()},
            )
            return redirect("partner_awards")
    pool.balance = selectors.pool_balance(pool.account)
    status = 400 if form.errors else 200
    return render(request, "allocations/capacity/partner_award_form.html", {"pool": pool, "form": form}, status=status)
