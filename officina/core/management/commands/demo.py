"""``officina demo``: load a demo coworking community (idempotent unless --reset)."""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

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
        elif get_user_model().objects.exists():
            self.stdout.write("The database already has members: demo not loaded (use --reset).")
            return
        context = DemoContext(
            seed=options["seed"], members=options["members"], companies=options["companies"]
        )
        for app_config in apps.get_app_configs():
            if not app_config.name.startswith("officina."):
                continue
            try:
                module = importlib.import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app_config.name}.demo":
                    raise
                continue
            if not hasattr(module, "populate"):  # officina.core.demo only defines the context
                continue
            started = time.perf_counter()
            with transaction.atomic():
                module.populate(context)
            elapsed = time.perf_counter() - started
            self.stdout.write(f"demo: {app_config.label} loaded in {elapsed:.1f}s")
        self.stdout.write(self.style.SUCCESS("Demo community loaded."))
