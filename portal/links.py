"""Links that leave the site (emails, exports): the portal's own address plus a named URL."""

from django.conf import settings
from django.urls import reverse


def absolute_url(name: str, **kwargs) -> str:
    """``SITE_URL`` + ``reverse(name, kwargs=kwargs)``, e.g. ``absolute_url("grant_detail", pk=7)``."""
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)
