"""``officina createadmin``: make (or reset) a superuser without prompts when asked to."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from officina.accounts.actions import do_make_superuser


class Command(BaseCommand):
    help = "Create a superuser; --email/--password or OFFICINA_ADMIN_EMAIL/_PASSWORD."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=os.environ.get("OFFICINA_ADMIN_EMAIL"))
        parser.add_argument("--password", default=os.environ.get("OFFICINA_ADMIN_PASSWORD"))

    def handle(self, *args: Any, **options: Any) -> None:
        email, password = options["email"], options["password"]
        if not email or not password:
            from django.core.management import call_command

            call_command("createsuperuser")
            return
        if len(password) < 8:
            raise CommandError("The password must be at least 8 characters long.")
        admin, created = do_make_superuser(email, password)
        self.stdout.write(f"Superuser {'created' if created else 'updated'}: {admin.email}")
