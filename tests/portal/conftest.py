import pytest
from django.core.management import call_command

from tests.factories import ensure_platform_groups
from tests.factories.allocations import SEEDED_MODES, access_mode


@pytest.fixture
def demo_data(transactional_db, settings, tmp_path):
    """The demo data set of ``seed_demo`` in a transactional test (uploads under a temporary MEDIA_ROOT). The rows
    of the data migrations, which an earlier transactional test may have flushed, are recreated first."""
    settings.MEDIA_ROOT = tmp_path
    ensure_platform_groups()
    for code in SEEDED_MODES:
        access_mode(code)
    call_command("seed_demo", force=True, verbosity=0)
