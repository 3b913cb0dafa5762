"""The periodic jobs of the background process: each names a real task, runs once at start,
and only queues its task (the worker does the work)."""

import pytest
from django.conf import settings
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from officina.core.background import enqueue_task, periodic_scheduler


def test_every_periodic_job_names_a_task_and_starts_now():
    scheduler = periodic_scheduler()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(settings.PERIODIC_TASKS)
    assert {"close expired check-ins", "daily digests", "weekly digests"} <= set(jobs)
    for name, job in jobs.items():
        task_path, _args = job.args
        assert task_path == settings.PERIODIC_TASKS[name]["task"]
        # Tentative jobs (the scheduler is not started) keep the run time they were given.
        assert job.next_run_time is not None


def test_a_misspelt_task_stops_the_scheduler_at_start():
    with pytest.raises(ImportError):
        periodic_scheduler(
            {"typo": {"task": "officina.presence.tasks.nope", "trigger": "interval", "minutes": 1}}
        )


@pytest.mark.django_db
def test_a_job_only_queues_its_task_for_the_worker():
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        enqueue_task("officina.notifications.tasks.queue_due_digests", ["daily"])
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "officina.notifications.tasks.queue_due_digests"
    assert queued.args_kwargs["args"] == ["daily"]
    assert queued.status == "READY"  # not run here: the worker runs it
