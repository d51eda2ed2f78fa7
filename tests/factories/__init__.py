"""factory-boy factories, one module per app, re-exported here: ``from tests.factories import UserFactory``."""

from tests.factories.accounts import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

__all__ = ["PASSWORD", "MembershipFactory", "OrganisationFactory", "UserFactory"]
