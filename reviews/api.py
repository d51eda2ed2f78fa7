"""REST API of this app (mounted under /api/v1/)."""

urlpatterns: list = []


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
