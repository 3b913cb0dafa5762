"""The project's pages read a fixed number of queries, however many threads, tasks,
files and activity lines it has (people add one query per company taking part)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from officina.accounts.models import Member
from officina.projects import actions
from officina.projects.access import Standing
from officina.projects.tests.fixtures import standing
from officina.projects.tests.test_uploads import PDF
from officina.projects.uploads import check_upload

PAGES = [
    "/projects/{id}/",
    "/projects/{id}/tasks/",
    "/projects/{id}/tasks/?view=list",
    "/projects/{id}/threads/",
    "/projects/{id}/files/",
    "/projects/",
]


def _add(owner: Standing, count: int, sara: Member) -> None:
    for number in range(count):
        thread = actions.check_start_thread(owner, title=f"Tema {number}", body="x")
        actions.check_comment(owner, thread, body="y")
        actions.check_create_task(owner, title=f"Lavoro {number}", assignee_id=sara.pk)
        shared = actions.check_add_file(
            owner, check_upload(SimpleUploadedFile(f"f{number}.pdf", PDF))
        )
        actions.check_add_version(owner, shared, check_upload(SimpleUploadedFile("v2.pdf", PDF)))


def _counts(client: Client, project_id: int) -> list[int]:
    counts = []
    for page in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page.format(id=project_id)).status_code == 200
        counts.append(len(queries))
    return counts


def test_pages_do_not_grow_with_the_project(shop, giulia, sara, client_for):
    owner = standing(giulia, shop.project)
    client = client_for(giulia)
    _add(owner, 2, sara)
    few = _counts(client, shop.project.pk)
    _add(owner, 12, sara)
    many = _counts(client, shop.project.pk)
    assert many == few
    # Pinned: a change that adds a query per row, or a new query per page, shows here.
    assert dict(zip(PAGES, few, strict=True)) == {
        "/projects/{id}/": 20,
        "/projects/{id}/tasks/": 12,
        "/projects/{id}/tasks/?view=list": 12,
        "/projects/{id}/threads/": 8,
        "/projects/{id}/files/": 9,
        "/projects/": 7,
    }
