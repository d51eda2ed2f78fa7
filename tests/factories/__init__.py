"""factory-boy factories, one module per app, re-exported here: ``from tests.factories import UserFactory``."""

from tests.factories.accounts import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.allocations import ApplicationFactory, CallFactory, GigafactoryFactory, fill_application  # noqa: F401
from tests.factories.capacity import approved_application, contributions_paid, open_pool, period_with_pools  # noqa: F401
from tests.factories.ledger import AccountFactory, FundFactory, LedgerFactory, PartnerFactory, TrancheFactory  # noqa: F401
from tests.factories.reviews import ReviewerProfileFactory, ensure_platform_groups, reviewer  # noqa: F401
from tests.factories.usage import ClusterFactory, active_grant, sacct_line, sacct_upload  # noqa: F401

__all__ = ["PASSWORD", "MembershipFactory", "OrganisationFactory", "UserFactory"]
