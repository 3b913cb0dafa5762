"""One test per rule of access.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from officina.core.errors import ErrorCode, OfficinaError
from officina.projects import actions
from officina.projects.access import (
    access_file_by_id,
    access_project_by_id,
    access_task_by_id,
    access_thread_by_id,
    visible_projects,
)
from officina.projects.kinds import ProjectRole
from officina.projects.models import Project, ProjectPerson
from officina.projects.tests.fixtures import standing
from officina.projects.tests.test_uploads import PDF, upload
from officina.projects.uploads import check_upload


def not_found(call: Callable[[], object]) -> OfficinaError:
    with pytest.raises(OfficinaError) as raised:
        call()
    assert raised.value.code == ErrorCode.NOT_FOUND
    return raised.value


def test_the_people_of_the_owning_company_own_the_project(shop, giulia, marco):
    for member in (giulia, marco):
        found = standing(member, shop.project)
        assert found.role == ProjectRole.OWNER and found.is_insider and found.may_manage


def test_a_company_taking_part_gives_its_people_its_role(shop, sara):
    found = standing(sara, shop.project)
    assert found.role == ProjectRole.CONTRIBUTOR
    assert found.may_contribute and not found.may_manage and not found.is_insider


def test_a_person_invited_in_person_holds_their_own_role(shop, chiara):
    found = standing(chiara, shop.project)
    assert found.role == ProjectRole.VIEWER and not found.may_contribute


def test_the_highest_role_wins(shop, sara):
    ProjectPerson.objects.create(project=shop.project, member=sara, role=ProjectRole.OWNER)
    assert standing(sara, shop.project).role == ProjectRole.OWNER


def test_outsiders_see_no_project_and_missing_looks_like_forbidden(shop, outsider, luca):
    assert list(visible_projects(outsider)) == []
    forbidden = not_found(lambda: access_project_by_id(outsider, shop.project.pk))
    missing = not_found(lambda: access_project_by_id(luca, 999_999))
    assert str(forbidden.message) == str(missing.message) == "Project not found."


def test_visible_projects_are_those_taken_part_in(shop, giulia, sara, chiara, make_company):
    assert list(visible_projects(giulia)) == [shop.project]
    assert list(visible_projects(sara)) == [shop.project]
    assert list(visible_projects(chiara)) == [shop.project]


def test_a_viewer_may_not_contribute_nor_manage(shop, chiara, sara):
    not_found(lambda: access_project_by_id(chiara, shop.project.pk, to_contribute=True))
    not_found(lambda: access_project_by_id(sara, shop.project.pk, to_manage=True))
    assert access_project_by_id(sara, shop.project.pk, to_contribute=True).may_contribute


def test_an_internal_thread_is_seen_by_the_owning_company_only(shop, marco, sara, chiara):
    thread, _standing = access_thread_by_id(marco, shop.internal.pk)
    assert thread == shop.internal
    for outside in (sara, chiara):
        forbidden = not_found(partial(access_thread_by_id, outside, shop.internal.pk))
        missing = not_found(partial(access_thread_by_id, outside, 999_999))
        assert str(forbidden.message) == str(missing.message)
    assert access_thread_by_id(chiara, shop.open.pk)[0] == shop.open


def test_an_internal_task_is_seen_by_the_owning_company_only(shop, giulia, sara):
    task = actions.check_create_task(
        standing(giulia, shop.project), title="Budget", is_internal=True
    )
    assert access_task_by_id(giulia, task.pk)[0] == task
    not_found(lambda: access_task_by_id(sara, task.pk))


def test_editing_a_task_takes_a_contributor(shop, giulia, sara, chiara):
    task = actions.check_create_task(standing(giulia, shop.project), title="Insegna")
    assert access_task_by_id(sara, task.pk, to_edit=True)[0] == task
    assert access_task_by_id(chiara, task.pk)[0] == task
    not_found(lambda: access_task_by_id(chiara, task.pk, to_edit=True))


def test_an_internal_file_is_seen_by_the_owning_company_only(shop, giulia, sara, chiara):
    shared = actions.check_add_file(
        standing(giulia, shop.project), check_upload(upload("prezzi.pdf", PDF)), is_internal=True
    )
    assert access_file_by_id(giulia, shared.pk)[0] == shared
    not_found(lambda: access_file_by_id(sara, shared.pk))
    not_found(lambda: access_file_by_id(chiara, shared.pk))


def test_uploading_a_version_takes_a_contributor(shop, giulia, sara, chiara):
    shared = actions.check_add_file(
        standing(giulia, shop.project), check_upload(upload("piano.pdf", PDF))
    )
    assert access_file_by_id(sara, shared.pk, to_upload=True)[0] == shared
    assert access_file_by_id(chiara, shared.pk)[0] == shared
    not_found(lambda: access_file_by_id(chiara, shared.pk, to_upload=True))


def test_a_deactivated_member_loses_access(shop, marco):
    marco.is_active = False
    marco.save()
    not_found(lambda: access_project_by_id(marco, shop.project.pk))
    assert not Project.objects.filter(pk__in=visible_projects(marco)).exists()
