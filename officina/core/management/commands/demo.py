"""``officina demo``: load a demo coworking community, or bring a loaded one up to date.

On a database that already holds the demo community, each app's demo ``refresh``
makes the parts that depend on the clock look like today (who is here now, the
coming events and bookings); ``scripts/run`` calls this at each start. A database
with members but no demo community is left alone.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.selectors import find_member_by_email
from officina.core.demo import DemoContext


class Command(BaseCommand):
    help = "Load the demo community (about 200 members in 40 companies, spaces, posts...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=200)
        parser.add_argument("--companies", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--reset", action="store_true", help="empty the database first (destroys all data)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
        elif find_member_by_email(DEMO_EMAIL) is not None:
            # Another draw each day: not the same people at the same desks every morning.
            context = DemoContext(seed=options["seed"] + timezone.localdate().toordinal())
            self.run_loaders("refresh", context, "refreshed")
            self.stdout.write(self.style.SUCCESS("Demo community brought up to date."))
            return
        elif get_user_model().objects.exists():
            self.stdout.write("The database already has members: demo not loaded (use --reset).")
            return
        context = DemoContext(
            seed=options["seed"], members=options["members"], companies=options["companies"]
        )
        self.run_loaders("populate", context, "loaded")
        self.stdout.write(self.style.SUCCESS("Demo community loaded."))

    def run_loaders(self, name: str, context: DemoContext, done: str) -> None:
        """Call ``name(context)`` of every app's demo module that has one, in app order."""
        for app_config in apps.get_app_configs():
            if not app_config.name.startswith("officina."):
                continue
            try:
                module = importlib.import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app_config.name}.demo":
                    raise
                continue
            loader = getattr(module, name, None)
            if loader is None:  # officina.core.demo only defines the context
                continue
            started = time.perf_counter()
            with transaction.atomic():
                loader(context)
            elapsed = time.perf_counter() - started
            self.stdout.write(f"demo: {app_config.label} {done} in {elapsed:.1f}s")
