"""Background clean-up of forgotten check-outs."""

from __future__ import annotations

from django_tasks import task

from .actions import do_close_expired_check_ins


@task()
def close_expired_check_ins() -> int:
    """Close every session past its planned end; the pages already treat them as ended."""
    return do_close_expired_check_ins()
