"""Factories of the ledger. Accounts start at zero; money moves only through ``ledger.services.transfers_create``."""

import factory

from ledger.models import (
    Account,
    AccountCode,
    Fund,
    Ledger,
    LedgerUnit,
    OwnerKind,
    Partner,
    PartnerKind,
    Tranche,
    TrancheKind,
)


class LedgerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ledger
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"L{n}")
    name = factory.LazyAttribute(lambda o: f"Ledger {o.code}")
    unit = LedgerUnit.EUR_CENT


class AccountFactory(factory.django.DjangoModelFactory):
    """A system account of its own ledger; pass ``ledger=`` to put several in one."""

    class Meta:
        model = Account

    ledger = factory.SubFactory(LedgerFactory)
    code = AccountCode.OPERATOR
    name = factory.Sequence(lambda n: f"Account {n}")
    owner_kind = OwnerKind.SYSTEM
    owner_ref = factory.Sequence(lambda n: f"test:{n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = PartnerKind.PRIVATE_INVESTOR
    country = "DE"

    @factory.post_generation
    def contacts(self, create, extracted, **kwargs):
        if create and extracted:
            self.contact_users.add(*extracted)


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund
        django_get_or_create = ("name",)

    name = "InvestAI AI Gigafactories Fund"
    size_cents = 20 * 1000 * 1000 * 1000 * 100


class TrancheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tranche
        django_get_or_create = ("fund", "kind")
        skip_postgeneration_save = True

    fund = factory.SubFactory(FundFactory)
    kind = TrancheKind.SENIOR
    name = factory.LazyAttribute(lambda o: f"{o.kind.title()} tranche")
    target_cents = 12 * 1000 * 1000 * 1000 * 100
    expected_return_bp = 350
    risk_rank = 1

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if create and extracted:
            self.eligible_partners.add(*extracted)
