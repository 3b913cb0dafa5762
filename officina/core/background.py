"""The background process of ``officina serve``: the task worker and the periodic jobs.

Tasks (digests, mail-outs, re-indexing) are queued in the database by whoever
needs them (``some_task.enqueue(...)``) and run by django-tasks-db's worker.
Periodic jobs are APScheduler jobs that only *queue* a task at their time, so
the work itself always runs in the worker, with its retries and its results
table, and a job takes the scheduler's thread for a single insert.

Every periodic job also runs when the process starts: the jobs decide for
themselves what is due (a member's digest by when the last one was sent,
a check-in by its planned end), so a server that was down catches up at once
and a job that runs twice does nothing the second time.

Add a periodic job in ``settings.PERIODIC_TASKS`` (see docs/architecture.md).
"""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("officina.background")


def enqueue_task(task_path: str, args: list[Any]) -> None:
    """What a periodic job does at its time: queue its task for the worker."""
    import_string(task_path).enqueue(*args)
    logger.info("queued %s%s", task_path, tuple(args))


def periodic_scheduler(jobs: dict[str, dict[str, Any]] | None = None) -> BackgroundScheduler:
    """A scheduler (not started) with every job of ``settings.PERIODIC_TASKS``.

    Each job is ``{"task": dotted path of a django-tasks task, "args": [...],
    "trigger": "interval" or "cron", and that trigger's fields}``, the fields
    being APScheduler's (``minutes=5``; ``hour=7, minute=30``).
    """
    scheduler = BackgroundScheduler(
        timezone=settings.TIME_ZONE,
        # A job late by a suspended laptop or a busy machine runs once, not once per miss.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for name, job in (settings.PERIODIC_TASKS if jobs is None else jobs).items():
        task_path, args = str(job["task"]), list(job.get("args", []))
        trigger_fields = {k: v for k, v in job.items() if k not in {"task", "args"}}
        import_string(task_path)  # a misspelt task fails at start, not at its first run
        scheduler.add_job(
            enqueue_task,
            id=name,
            name=name,
            args=[task_path, args],
            next_run_time=timezone.now(),
            **trigger_fields,
        )
    return scheduler


def run_background() -> None:
    """Run the periodic jobs and the task worker until the process is told to stop."""
    scheduler = periodic_scheduler()
    scheduler.start()
    try:
        # The worker owns the main thread: it handles SIGTERM and SIGINT by finishing the
        # task under way, then returns.
        call_command("db_worker", reload=False, startup_delay=False, verbosity=1)
    finally:
        scheduler.shutdown(wait=False)
