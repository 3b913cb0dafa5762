"""``officina close_expired_check_ins``: for cron or a systemd timer, every few minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from officina.presence.actions import do_close_expired_check_ins


class Command(BaseCommand):
    help = "Close the presence sessions whose planned end has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = do_close_expired_check_ins()
        self.stdout.write(f"closed {closed} expired session(s)")
