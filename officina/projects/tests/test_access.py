"""One test per rule of access.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from officina.core.errors import ErrorCode, OfficinaError
from officina.projects import actions
from officina.projects.access import (
    access_comment_by_id,
    access_file_by_id,
    access_project_by_id,
    access_task_by_id,
    access_thread_by_id,
    access_version_by_id,
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


# Changing and deleting: the author, or an owner; missing and forbidden look the same.


def test_a_thread_is_changed_by_its_author_or_an_owner(shop, giulia, marco, sara, chiara):
    thread = actions.check_start_thread(standing(sara, shop.project), title="Forno", body="x")
    assert access_thread_by_id(sara, thread.pk, to_edit=True)[0] == thread
    assert access_thread_by_id(giulia, thread.pk, to_edit=True)[0] == thread  # an owner
    assert access_thread_by_id(marco, thread.pk, to_edit=True)[0] == thread  # an owner too
    forbidden = not_found(partial(access_thread_by_id, chiara, thread.pk, to_edit=True))
    missing = not_found(partial(access_thread_by_id, chiara, 999_999, to_edit=True))
    assert str(forbidden.message) == str(missing.message) == "Thread not found."
    # Another contributor may read it and comment, not change it.
    owned_by_giulia = shop.open
    assert access_thread_by_id(sara, owned_by_giulia.pk, to_comment=True)[0] == owned_by_giulia
    not_found(lambda: access_thread_by_id(sara, owned_by_giulia.pk, to_edit=True))


def test_a_comment_is_changed_by_its_author_or_an_owner(shop, giulia, sara, chiara):
    comment = actions.check_comment(standing(chiara, shop.project), shop.open, body="Ok")
    assert access_comment_by_id(chiara, comment.pk)[0] == comment  # a guest viewer's own
    assert access_comment_by_id(giulia, comment.pk)[0] == comment
    forbidden = not_found(partial(access_comment_by_id, sara, comment.pk))
    missing = not_found(partial(access_comment_by_id, sara, 999_999))
    assert str(forbidden.message) == str(missing.message) == "Comment not found."


def test_a_comment_on_an_internal_thread_is_not_reachable_from_outside(shop, giulia, sara):
    comment = actions.check_comment(standing(giulia, shop.project), shop.internal, body="Solo noi")
    ProjectPerson.objects.create(project=shop.project, member=sara, role=ProjectRole.OWNER)
    # Even an owner in person from another company does not see internal items.
    not_found(lambda: access_comment_by_id(sara, comment.pk))


def test_a_file_and_its_versions_are_deleted_by_who_shared_them_or_an_owner(
    shop, giulia, sara, chiara
):
    shared = actions.check_add_file(
        standing(sara, shop.project), check_upload(upload("a.pdf", PDF))
    )
    owners = actions.check_add_version(
        standing(giulia, shop.project), shared, check_upload(upload("b.pdf", PDF))
    )
    assert access_file_by_id(sara, shared.pk, to_delete=True)[0] == shared
    assert access_file_by_id(giulia, shared.pk, to_delete=True)[0] == shared
    not_found(lambda: access_file_by_id(chiara, shared.pk, to_delete=True))
    # Sara shared the file but uploaded not this version; only an owner or Giulia delete it.
    not_found(lambda: access_version_by_id(sara, owners.pk, to_delete=True))
    assert access_version_by_id(giulia, owners.pk, to_delete=True)[0] == owners
    assert access_version_by_id(chiara, owners.pk)[0] == owners  # to download
    forbidden = not_found(partial(access_version_by_id, chiara, owners.pk, to_delete=True))
    missing = not_found(partial(access_version_by_id, chiara, 999_999, to_delete=True))
    assert str(forbidden.message) == str(missing.message) == "File not found."


def test_archiving_takes_an_owner(shop, giulia, sara, chiara):
    assert access_project_by_id(giulia, shop.project.pk, to_archive=True).is_owner
    for not_owner in (sara, chiara):
        not_found(partial(access_project_by_id, not_owner, shop.project.pk, to_archive=True))


def test_an_archived_project_is_read_only_for_everyone(shop, giulia, sara, chiara):
    task = actions.check_create_task(standing(giulia, shop.project), title="Insegna")
    shared = actions.check_add_file(
        standing(giulia, shop.project), check_upload(upload("piano.pdf", PDF))
    )
    comment = actions.check_comment(standing(chiara, shop.project), shop.open, body="Ok")
    actions.check_set_archived(standing(giulia, shop.project), True)
    project = shop.project.pk
    # Everyone still reads it ...
    for member in (giulia, sara, chiara):
        assert access_project_by_id(member, project).is_archived
        assert access_thread_by_id(member, shop.open.pk)[0] == shop.open
        assert access_task_by_id(member, task.pk)[0] == task
        assert access_file_by_id(member, shared.pk)[0] == shared
    # ... nobody writes to it, owners included ...
    for member in (giulia, sara):
        not_found(partial(access_project_by_id, member, project, to_contribute=True))
        not_found(partial(access_task_by_id, member, task.pk, to_edit=True))
        not_found(partial(access_file_by_id, member, shared.pk, to_upload=True))
    not_found(partial(access_project_by_id, giulia, project, to_manage=True))
    not_found(partial(access_file_by_id, giulia, shared.pk, to_delete=True))
    not_found(partial(access_version_by_id, giulia, shared.versions.get().pk, to_delete=True))
    not_found(partial(access_thread_by_id, giulia, shop.open.pk, to_edit=True))
    for member in (giulia, chiara):
        not_found(partial(access_thread_by_id, member, shop.open.pk, to_comment=True))
        not_found(partial(access_comment_by_id, member, comment.pk))
    # ... but an owner may bring it back, and then write again.
    actions.check_set_archived(access_project_by_id(giulia, project, to_archive=True), False)
    assert access_project_by_id(sara, project, to_contribute=True).may_contribute
    assert access_thread_by_id(chiara, shop.open.pk, to_comment=True)[0] == shop.open
