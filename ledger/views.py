"""Finance pages (under /staff/ledger/) and partner statements (/ledger/partners/...). Thin: parse, call, render.

Every recording flow has two steps: the form, then a confirmation page that repeats the entry in words; only the
confirmation writes. The transfer id travels with the form, so submitting the confirmation twice records once.
"""

import csv
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ledger import selectors, services
from ledger.forms import (
    ContributionForm,
    DateRangeForm,
    PostPendingForm,
    ReverseForm,
    TransferFilterForm,
    VoidPendingForm,
)
from ledger.models import Transfer, TransferCode
from portal import l10n
from portal.forms import apply_service_errors


def _require_finance_admin(request) -> None:
    """Finance admins pass; partner contacts get 403 (they know the ledger exists); anyone else 404."""
    if selectors.is_finance_admin(request.user):
        return
    if selectors.is_partner_contact(request.user):
        raise PermissionDenied(_("Only finance admins can open this page."))
    raise Http404


def _two_step(
    request,
    *,
    form,
    title: str,
    summary: Callable[[dict], list[tuple[str, str]]],
    perform: Callable[[dict], object],
    done_message: str,
    cancel_url: str,
    context: dict | None = None,
):
    """Form -> confirmation -> write. Service refusals re-render the form with the message (status 400)."""
    ctx = {"form": form, "title": title, "cancel_url": cancel_url, **(context or {})}
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirm") == "yes":
            try:
                perform(form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, done_message)
                return redirect("ledger:overview")
        elif request.POST.get("confirm") != "edit":
            return render(request, "ledger/flow_confirm.html", {**ctx, "summary": summary(form.cleaned_data)})
    return render(request, "ledger/flow_form.html", ctx, status=400 if form.errors else 200)


def _euros(cents: int | None) -> str:
    return l10n.money(cents)


@login_required
def overview(request):
    _require_finance_admin(request)
    fund = selectors.current_fund()
    return render(
        request,
        "ledger/overview.html",
        {
            "fund": fund,
            "tranches": selectors.fund_overview(fund=fund) if fund else [],
            "entitlements": selectors.entitlements(),
            "open_pending": selectors.open_pending_transfers(),
        },
    )


_CONTRIBUTIONS = {
    "pledge": (services.pledge_record, TransferCode.PLEDGE),
    "guarantee": (services.guarantee_record, TransferCode.GUARANTEE),
    "in-kind": (services.in_kind_record, TransferCode.IN_KIND),
}


@login_required
@require_http_methods(["GET", "POST"])
def contribution_record(request, kind: str):
    """Record a pledge, an EU guarantee or an in-kind contribution."""
    _require_finance_admin(request)
    if kind not in _CONTRIBUTIONS:
        raise Http404
    service, code = _CONTRIBUTIONS[kind]
    form = ContributionForm(request.POST or None)
    titles = {
        "pledge": _("Record a pledge"),
        "guarantee": _("Record a guarantee"),
        "in-kind": _("Record an in-kind contribution"),
    }

    def summary(data):
        return [
            (_("Kind"), TransferCode(code).label),
            (_("Partner"), str(data["partner"])),
            (_("Tranche"), str(data["tranche"])),
            (_("Amount"), _euros(form.amount_cents())),
            (_("Reference"), data["reference"] or "—"),
        ]

    def perform(data):
        return service(
            partner=data["partner"],
            tranche=data["tranche"],
            amount_cents=form.amount_cents(),
            reference=data["reference"],
            transfer_id=data["transfer_id"],
            by=request.user,
        )

    return _two_step(
        request,
        form=form,
        title=titles[kind],
        summary=summary,
        perform=perform,
        done_message=_("%(kind)s recorded.") % {"kind": TransferCode(code).label},
        cancel_url=reverse("ledger:overview"),
    )


def _open_pending(pk) -> Transfer:
    try:
        return selectors.open_pending_for_action(pk=pk)
    except Transfer.DoesNotExist:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def pending_post(request, pk):
    """Record a payment on a pledge or call a guarantee (fully or partly)."""
    _require_finance_admin(request)
    pending = _open_pending(pk)
    form = PostPendingForm(request.POST or None)
    is_pledge = pending.code == TransferCode.PLEDGE
    title = _("Record a payment") if is_pledge else _("Call a guarantee")

    def summary(data):
        amount = form.amount_cents() or pending.amount
        return [
            (_("Entry"), f"{pending.get_code_display()}: {pending.debit_account} → {pending.credit_account}"),
            (_("Open amount"), _euros(pending.amount)),
            (_("Amount now"), _euros(amount)),
            (_("Remains open"), _euros(pending.amount - amount)),
            (_("Reference"), data["reference"] or "—"),
        ]

    def perform(data):
        return services.pending_post(
            pending=pending,
            amount_cents=form.amount_cents(),
            reference=data["reference"],
            transfer_id=data["transfer_id"],
            by=request.user,
        )

    return _two_step(
        request,
        form=form,
        title=title,
        summary=summary,
        perform=perform,
        done_message=_("Payment recorded.") if is_pledge else _("Guarantee called."),
        cancel_url=reverse("ledger:overview"),
        context={"pending": pending},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pending_void(request, pk):
    """Withdraw a pledge or release a guarantee."""
    _require_finance_admin(request)
    pending = _open_pending(pk)
    form = VoidPendingForm(request.POST or None)
    is_pledge = pending.code == TransferCode.PLEDGE

    def summary(data):
        return [
            (_("Entry"), f"{pending.get_code_display()}: {pending.debit_account} → {pending.credit_account}"),
            (_("Amount released"), _euros(pending.amount)),
            (_("Reason or reference"), data["reference"] or "—"),
        ]

    def perform(data):
        return services.pending_void(
            pending=pending, reference=data["reference"], transfer_id=data["transfer_id"], by=request.user
        )

    return _two_step(
        request,
        form=form,
        title=_("Withdraw a pledge") if is_pledge else _("Release a guarantee"),
        summary=summary,
        perform=perform,
        done_message=_("Pledge withdrawn.") if is_pledge else _("Guarantee released."),
        cancel_url=reverse("ledger:overview"),
        context={"pending": pending},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_reverse(request, pk):
    """Reverse an erroneous posted entry."""
    _require_finance_admin(request)
    transfer = Transfer.objects.select_related("debit_account", "credit_account").filter(pk=pk).first()
    if transfer is None:
        raise Http404
    form = ReverseForm(request.POST or None)

    def summary(data):
        return [
            (_("Entry"), f"{transfer.get_code_display()}: {transfer.debit_account} → {transfer.credit_account}"),
            (_("Amount"), _euros(transfer.amount)),
            (_("Reversal"), f"{transfer.credit_account} → {transfer.debit_account}"),
            (_("Reason"), data["reason"]),
        ]

    def perform(data):
        return services.transfer_reverse(transfer=transfer, reason=data["reason"], by=request.user)

    return _two_step(
        request,
        form=form,
        title=_("Reverse an entry"),
        summary=summary,
        perform=perform,
        done_message=_("The entry was reversed."),
        cancel_url=reverse("ledger:transfer_list"),
        context={"transfer": transfer},
    )


@login_required
def transfer_list(request):
    """The journal of one ledger (EUR unless asked), newest first, filterable by account, kind and dates; 50 a page."""
    _require_finance_admin(request)
    form = TransferFilterForm(request.GET or None, initial={"ledger": "EUR"})
    filters = form.cleaned_data if form.is_valid() else {}
    transfers = selectors.transfers_for_user(
        user=request.user,
        ledger=filters.get("ledger") or "EUR",
        account=filters.get("account"),
        code=filters.get("code") or None,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(transfers, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/transfer_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


@login_required
def partner_list(request):
    """The partners whose statements ``user`` may read (all of them for finance admins); 404 for anyone else."""
    partners = selectors.partners_for_user(user=request.user)
    if not selectors.is_finance_admin(request.user) and not partners.exists():
        raise Http404
    return render(
        request,
        "ledger/partner_list.html",
        {
            "entitlements": selectors.entitlements(partners=partners),
            "is_finance_admin": selectors.is_finance_admin(request.user),
        },
    )


def _statement(request, pk: int):
    try:
        partner = selectors.partner_for_reader(user=request.user, pk=pk)
    except selectors.Partner.DoesNotExist:
        raise Http404
    today = timezone.localdate()
    form = DateRangeForm(request.GET or {"date_from": today.replace(month=1, day=1), "date_to": today})
    if not form.is_valid():
        return partner, form, None
    statement = selectors.partner_statement(
        partner=partner, date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
    )
    return partner, form, statement


@login_required
def partner_statement(request, pk: int):
    partner, form, statement = _statement(request, pk)
    return render(
        request,
        "ledger/statement.html",
        {"partner": partner, "form": form, "statement": statement, "query": request.GET.urlencode()},
        status=200 if statement else 400,
    )


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or a tab/CR) is prefixed with a quote."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def partner_statement_csv(request, pk: int):
    partner, form, statement = _statement(request, pk)
    if statement is None:
        return HttpResponse(str(form.errors.as_text()), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"statement-{partner.pk}-{statement.date_from}-{statement.date_to}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    # Amounts in euro cents (integers), signed from the partner's side: positive = contributed.
    writer.writerow(
        ["date", "transfer_id", "kind", "account", "reference", "pending_cents", "posted_cents", "balance_cents"]
    )
    writer.writerow(
        [statement.date_from, "", "opening", "", "", statement.opening_pending, "", statement.opening_posted]
    )
    for line in statement.lines:
        writer.writerow(
            [
                line.transfer.created_at.isoformat(),
                line.transfer.pk,
                line.transfer.code,
                _csv_cell(line.account.name),
                _csv_cell(line.transfer.user_data),
                line.pending,
                line.posted,
                line.balance,
            ]
        )
    writer.writerow([statement.date_to, "", "closing", "", "", statement.closing_pending, "", statement.closing_posted])
    return response
