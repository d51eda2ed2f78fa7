"""`python manage.py seed_demo`: demo users, organisations and, once the apps provide them, calls and ledgers.

Each app contributes an optional ``<app>.demo`` module with ``seed(stdout)``; missing modules are skipped. These
make the quick set (``--small``, for tests); without ``--small`` the history modules then build a portal in use on
it (past quarters of applications, reviews, allocations, grants with usage, reclaims and payments).
Idempotent: running it again creates nothing new.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Order matters: later apps build on the users and organisations of earlier ones.
DEMO_MODULES = ("accounts.demo", "allocations.demo", "allocations.terms.demo", "reviews.demo", "ledger.demo")
HISTORY_MODULES = ("allocations.demo.history", "allocations.demo.reports", "allocations.demo.changes")


def demo_seeders(names=DEMO_MODULES):
    """``(module name, seed function)`` for each module that exists and defines ``seed``."""
    seeders = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Skip an app (or its demo module) that does not exist yet; an import error inside one is a bug.
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise
        seed = getattr(module, "seed", None)
        if callable(seed):
            seeders.append((name, seed))
    return seeders


class Command(BaseCommand):
    help = "Create demo users, organisations and app data (idempotent). Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Seed even when DEBUG is off (never on a production database)."
        )
        parser.add_argument(
            "--small", action="store_true", help="Only the quick set (users, calls, a few applications, the ledger)."
        )

        parser.add_argument(
            "--quarters",
            type=int,
            choices=range(1, 7),
            default=6,
            help="How many past quarters the history tells (default 6; fewer seed faster).",
        )

    def handle(self, *args, force=False, small=False, quarters=6, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: demo accounts with published passwords do not belong in production. "
                "Use --force if this really is a development or staging database."
            )
        for name, seed in demo_seeders(DEMO_MODULES):
            self.stdout.write(f"seeding {name}")
            seed(self.stdout)
        if not small:
            for name, seed in demo_seeders(HISTORY_MODULES):
                self.stdout.write(f"seeding {name}")
                seed(self.stdout, past=quarters)

        from accounts.demo import CAST, DEMO_PASSWORD

        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        width = max(len(user.email) for user in CAST)
        for user in CAST:
            self.stdout.write(f"  {user.email:<{width}}  {user.description}")
