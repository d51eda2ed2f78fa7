"""The partner-contribution ledger: partners, the fund and its tranches, and a double-entry journal.

What the database guarantees (migrations ``0001``/``0002``):

- ``ledger_transfer`` is append-only: a statement trigger refuses every ``UPDATE`` and ``DELETE``; rows can only be
  inserted inside a transaction that ran ``transfers_create`` (it sets the transaction-local setting
  ``ledger.write_path``); corrections are reversing transfers.
- Account counters (``debits_pending``, ``debits_posted``, ``credits_pending``, ``credits_posted``) start at zero and
  a row trigger refuses any change to them outside that same write path.
- CHECK constraints: counters are never negative; an account flagged ``debits_must_not_exceed_credits`` /
  ``credits_must_not_exceed_debits`` never breaks its limit; a transfer's amount is positive, its accounts differ,
  at most one of pending / post_pending / void_pending is set and a pending transfer is posted or voided at most once
  (unique ``pending_id``).

These guards stop mistakes (a stray ORM ``update()``, an admin action, a hand-written ``UPDATE``), not a hostile
database owner: the owner of the tables can drop a trigger or set ``ledger.write_path`` by hand, and ``TRUNCATE``
is left allowed because test isolation needs it. In production the application should connect as a role that does
not own the tables (see ``ledger/migrations/0002_guards.py`` for the ``REVOKE`` statements to run for such a role).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class PartnerKind(models.TextChoices):
    EU_DIGITAL_EUROPE = "eu_digital_europe", _("EU programme: Digital Europe")
    EU_HORIZON_EUROPE = "eu_horizon_europe", _("EU programme: Horizon Europe")
    MEMBER_STATE_BUDGET = "member_state_budget", _("Member state: national budget")
    MEMBER_STATE_COHESION = "member_state_cohesion", _("Member state: cohesion funds")
    PRIVATE_INVESTOR = "private_investor", _("Private investor")
    HOST_SITE = "host_site", _("Host site (in kind)")


class Partner(models.Model):
    """Someone who puts money, a guarantee or contributions in kind into the fund."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=PartnerKind.choices)
    country = CountryField(_("country"), blank=True, help_text=_("Empty for EU programmes."))
    contact_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="ledger_partners",
        verbose_name=_("contact users"),
        help_text=_("Partner staff who may read this partner's statement."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Fund(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    size_cents = models.BigIntegerField(_("size (euro cents)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(size_cents__gt=0), name="ledger_fund_size_positive")]

    def __str__(self) -> str:
        return self.name


class TrancheKind(models.TextChoices):
    SENIOR = "senior", _("Senior")
    MEZZANINE = "mezzanine", _("Mezzanine")
    JUNIOR = "junior", _("Junior / first loss")


class Tranche(models.Model):
    """A layer of the fund with its own risk and return. Risk rank 1 is the safest (paid first)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="tranches", verbose_name=_("fund"))
    kind = models.CharField(_("kind"), max_length=20, choices=TrancheKind.choices)
    name = models.CharField(_("name"), max_length=200)
    target_cents = models.BigIntegerField(_("target size (euro cents)"))
    expected_return_bp = models.PositiveIntegerField(
        _("expected return (basis points a year)"), help_text=_("350 = 3.50 % a year.")
    )
    risk_rank = models.PositiveSmallIntegerField(_("risk rank"), help_text=_("1 = safest, paid first."))
    eligible_partners = models.ManyToManyField(
        Partner,
        blank=True,
        related_name="eligible_tranches",
        verbose_name=_("partners who may enter"),
    )

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["fund_id", "risk_rank"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "kind"], name="ledger_tranche_one_per_kind"),
            models.CheckConstraint(condition=Q(target_cents__gt=0), name="ledger_tranche_target_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class LedgerUnit(models.TextChoices):
    EUR_CENT = "eur_cent", _("Euro cents")
    GPU_SECOND = "gpu_second", _("GPU-seconds")


class Ledger(models.Model):
    """A unit of account: transfers only move amounts between accounts of the same ledger."""

    EUR = "EUR"
    GPU = "GPU"

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, choices=LedgerUnit.choices)

    class Meta:
        verbose_name = _("ledger")
        verbose_name_plural = _("ledgers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OwnerKind(models.TextChoices):
    PARTNER = "partner", _("Partner")
    TRANCHE = "tranche", _("Tranche")
    POOL = "pool", _("Pool")
    GRANT = "grant", _("Grant")
    SYSTEM = "system", _("System")


class AccountCode(models.TextChoices):
    PARTNER_COMMITMENT = "partner_commitment", _("Partner: cash commitment")
    PARTNER_GUARANTEE = "partner_guarantee", _("Partner: guarantee")
    PARTNER_IN_KIND = "partner_in_kind", _("Partner: in kind")
    TRANCHE_CAPITAL = "tranche_capital", _("Tranche: capital")
    TRANCHE_GUARANTEE = "tranche_guarantee", _("Tranche: guarantees")
    TRANCHE_IN_KIND = "tranche_in_kind", _("Tranche: in kind")
    CAPACITY = "capacity", _("Capacity")
    POOL = "pool", _("Pool")
    GRANT = "grant", _("Grant")
    OPERATOR = "operator", _("Operator")


class Account(models.Model):
    """One account of one ledger. The counters change only through ``ledger.services.transfers_create``."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("ledger"))
    code = models.CharField(_("code"), max_length=30, choices=AccountCode.choices)
    name = models.CharField(_("name"), max_length=200)
    owner_kind = models.CharField(_("owner"), max_length=10, choices=OwnerKind.choices)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name=_("partner")
    )
    tranche = models.ForeignKey(
        Tranche, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name=_("tranche")
    )
    # Pools and grants live in other apps; they refer to their accounts by this key (e.g. "pool:12").
    owner_ref = models.CharField(_("owner reference"), max_length=64, blank=True)
    debits_must_not_exceed_credits = models.BooleanField(_("debits must not exceed credits"), default=False)
    credits_must_not_exceed_debits = models.BooleanField(_("credits must not exceed debits"), default=False)
    debits_pending = models.BigIntegerField(_("debits pending"), default=0, editable=False)
    debits_posted = models.BigIntegerField(_("debits posted"), default=0, editable=False)
    credits_pending = models.BigIntegerField(_("credits pending"), default=0, editable=False)
    credits_posted = models.BigIntegerField(_("credits posted"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["ledger_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "code", "partner", "tranche", "owner_ref"],
                nulls_distinct=False,
                name="ledger_account_unique_owner",
            ),
            models.CheckConstraint(
                condition=Q(debits_pending__gte=0)
                & Q(debits_posted__gte=0)
                & Q(credits_pending__gte=0)
                & Q(credits_posted__gte=0),
                name="ledger_account_counters_not_negative",
            ),
            models.CheckConstraint(
                condition=~(Q(debits_must_not_exceed_credits=True) & Q(credits_must_not_exceed_debits=True)),
                name="ledger_account_flags_exclusive",
            ),
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False)
                | Q(debits_pending__lte=F("credits_posted") - F("debits_posted")),
                name="ledger_account_debits_within_credits",
            ),
            models.CheckConstraint(
                condition=Q(credits_must_not_exceed_debits=False)
                | Q(credits_pending__lte=F("debits_posted") - F("credits_posted")),
                name="ledger_account_credits_within_debits",
            ),
            models.CheckConstraint(
                condition=(Q(owner_kind="partner") & Q(partner__isnull=False))
                | (Q(owner_kind="tranche") & Q(tranche__isnull=False))
                | Q(owner_kind__in=["pool", "grant", "system"]),
                name="ledger_account_owner_set",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def debit_balance(self) -> int:
        """Posted debits minus posted credits (a partner's net contribution)."""
        return self.debits_posted - self.credits_posted

    @property
    def credit_balance(self) -> int:
        """Posted credits minus posted debits (what a tranche holds)."""
        return self.credits_posted - self.debits_posted


class TransferCode(models.TextChoices):
    PLEDGE = "pledge", _("Pledge")
    PAYMENT = "payment", _("Payment")
    GUARANTEE = "guarantee", _("Guarantee")
    IN_KIND = "in_kind", _("In-kind contribution")
    REVERSAL = "reversal", _("Reversal")
    CAPACITY = "capacity", _("Capacity")
    POOL = "pool", _("Pool")
    GRANT = "grant", _("Grant")
    USAGE = "usage", _("Usage")
    RECLAIM = "reclaim", _("Reclaim")


class Transfer(models.Model):
    """One immutable journal entry. Written only by ``ledger.services.transfers_create``."""

    id = models.UUIDField(primary_key=True, editable=False)
    debit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="debits", verbose_name=_("debit account"), db_index=False
    )
    credit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="credits", verbose_name=_("credit account"), db_index=False
    )
    amount = models.BigIntegerField(_("amount"))
    ledger = models.ForeignKey(
        Ledger, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("ledger"), db_index=False
    )
    code = models.CharField(_("code"), max_length=20, choices=TransferCode.choices)
    pending = models.BooleanField(_("pending"), default=False)
    post_pending = models.BooleanField(_("posts a pending transfer"), default=False)
    void_pending = models.BooleanField(_("voids a pending transfer"), default=False)
    linked = models.BooleanField(_("linked to the next transfer"), default=False)
    pending_id = models.UUIDField(_("pending transfer"), null=True, blank=True)
    timeout = models.PositiveIntegerField(_("timeout (seconds)"), default=0)
    user_data = models.CharField(_("reference"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), db_default=Now(), db_index=True)
    # Journal order: assigned by a database sequence as rows are inserted (after the accounts are locked).
    seq = models.BigIntegerField(
        editable=False, unique=True, db_default=models.Func(models.Value("ledger_transfer_seq"), function="nextval")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")), name="ledger_transfer_accounts_differ"
            ),
            models.CheckConstraint(
                condition=~(Q(pending=True) & Q(post_pending=True))
                & ~(Q(pending=True) & Q(void_pending=True))
                & ~(Q(post_pending=True) & Q(void_pending=True)),
                name="ledger_transfer_flags_exclusive",
            ),
            models.CheckConstraint(
                condition=((Q(post_pending=True) | Q(void_pending=True)) & Q(pending_id__isnull=False))
                | (Q(post_pending=False) & Q(void_pending=False) & Q(pending_id__isnull=True)),
                name="ledger_transfer_pending_id_iff_resolution",
            ),
            models.CheckConstraint(
                condition=Q(timeout=0) | Q(pending=True), name="ledger_transfer_timeout_only_pending"
            ),
            models.UniqueConstraint(
                fields=["pending_id"],
                condition=Q(pending_id__isnull=False),
                name="ledger_transfer_pending_resolved_once",
            ),
        ]
        indexes = [
            models.Index(fields=["debit_account", "seq"], name="ledger_transfer_debit_seq"),
            models.Index(fields=["credit_account", "seq"], name="ledger_transfer_credit_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.amount} ({self.id})"

    @property
    def kind(self) -> str:
        if self.pending:
            return "pending"
        if self.post_pending:
            return "post_pending"
        if self.void_pending:
            return "void_pending"
        return "posted"
