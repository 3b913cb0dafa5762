"""``officina enqueue_notification_digests --frequency daily``: run it from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from officina.notifications.kinds import DigestFrequency
from officina.notifications.tasks import enqueue_due_digests


class Command(BaseCommand):
    help = "Queue e-mail digests of unread notifications for members who are due one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--frequency",
            choices=[DigestFrequency.DAILY.value, DigestFrequency.WEEKLY.value],
            default=DigestFrequency.DAILY.value,
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queued = enqueue_due_digests(options["frequency"])
        self.stdout.write(f"{queued} digest(s) queued ({options['frequency']}).")
