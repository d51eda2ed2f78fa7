"""factory-boy factories shared by every test module."""

import importlib

import factory
from django.contrib.auth.models import Group, Permission

from accounts.models import Membership, MembershipRole, Organisation, OrganisationType, User

PASSWORD = "correct-horse-battery-9"


def ensure_platform_groups() -> None:
    """The role groups of the data migration (recreated after a transactional test flushed them)."""
    from accounts.roles import PlatformRole

    for role in PlatformRole:
        Group.objects.get_or_create(name=role)


def role_group(name: str) -> Group:
    """The platform-role group as the data migration creates it, with its permissions.

    A transactional test flushes the tables at its end, data-migration rows included; this brings them back.
    """
    group, created = Group.objects.get_or_create(name=name)
    if created:
        migration = importlib.import_module("accounts.migrations.0002_platform_roles")
        codenames = migration.READ_PERMISSIONS.get(name, [])
        group.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))
    return group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.eu")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(role_group(name))
        if create:
            self.save()

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Mark the primary email verified (allauth refuses login otherwise)."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    legal_name = factory.Sequence(lambda n: f"Organisation {n} GmbH")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    country = "DE"
    type = OrganisationType.STARTUP


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.MEMBER
