"""Terms of access as production makes them: a version drafted and published by an allocation admin, and people
accepting the current versions through the service."""

import datetime as dt

from accounts.models import User
from allocations.models import Gigafactory
from allocations.models.terms import TermsKind, TermsVersion
from allocations.terms import selectors, services


def published_terms(
    *,
    by: User,
    gigafactory: Gigafactory | None = None,
    title: str = "",
    body: str = "",
    now: dt.datetime | None = None,
    **fields,
) -> TermsVersion:
    """The next version of the platform terms (``gigafactory`` None) or of a Gigafactory's acceptable-use policy,
    published by ``by`` (an allocation admin) at ``now``."""
    kind = TermsKind.PLATFORM if gigafactory is None else TermsKind.ACCEPTABLE_USE
    version = services.terms_version_create(
        kind=kind,
        gigafactory=gigafactory,
        by=by,
        title=title or ("Terms of access" if gigafactory is None else f"Acceptable use of {gigafactory.name}"),
        body=body or "## Use\nUse the compute for the project you were awarded it for.",
        **fields,
    )
    return services.terms_version_publish(version_id=version.pk, by=by, now=now)


def accept_current_terms(user: User, gigafactories=(), now: dt.datetime | None = None) -> list:
    """``user`` accepts whatever current version of the platform terms and of the Gigafactories' policies they have
    not accepted yet (nothing when nothing is published)."""
    ids = [g if isinstance(g, int) else g.pk for g in gigafactories]
    pending = selectors.pending_versions(user=user, gigafactory_ids=ids)
    if not pending:
        return []
    return services.terms_accept(user=user, version_ids=[v.pk for v in pending], by=user, now=now)
