"""/api/projects: the caller's projects, their people, threads and comments, and tasks.

Project guests (people from outside the coworking invited to a project) may use these
routes and no other of the API. Internal threads and tasks are answered to the people of
the owning company only; what a caller may not see answers 404, like what does not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from officina.accounts.signed_in import signed_in_member
from officina.api.auth import project_api_auth
from officina.api.schemas import COMMON_ERRORS, NO_NUL, BodyIn, ErrorOut, MemberRef, member_ref
from officina.api.schemas import translated_when_shown as _
from officina.projects.access import (
    access_comment_by_id,
    access_project_by_id,
    access_task_by_id,
    access_thread_by_id,
)
from officina.projects.actions import (
    check_comment,
    check_create_task,
    check_delete_comment,
    check_delete_thread,
    check_edit_comment,
    check_edit_thread,
    check_set_archived,
    check_set_task_status,
    check_start_thread,
)
from officina.projects.kinds import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, TaskStatus
from officina.projects.selectors import (
    my_projects,
    project_participants,
    project_tasks,
    project_threads,
    thread_comments,
)

if TYPE_CHECKING:
    from officina.projects.models import Task, Thread

router = Router(tags=["projects"], auth=project_api_auth)

StatusName = Literal[tuple(TaskStatus.values)]  # type: ignore[valid-type]
Title = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=NAME_MAX_LENGTH)]
LongText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=TEXT_MAX_LENGTH)]


class ProjectOut(Schema):
    id: int
    name: str
    company: str
    description: str
    archived: bool = Field(description="read-only for everyone until an owner brings it back")


class ParticipantOut(Schema):
    member: MemberRef
    role: str
    company: str
    is_guest: bool


class ProjectDetailOut(ProjectOut):
    role: str
    sees_internal: bool
    needed_skills: list[str]
    people: list[ParticipantOut]


class ThreadOut(Schema):
    id: int
    title: str
    body: str
    author: MemberRef | None
    is_internal: bool
    created_at: datetime


class CommentOut(Schema):
    id: int
    author: MemberRef | None
    body: str
    created_at: datetime


class ThreadDetailOut(ThreadOut):
    comments: list[CommentOut]


class TaskOut(Schema):
    id: int
    title: str
    description: str
    status: str
    assignee: MemberRef | None
    due_date: date | None
    is_internal: bool


class ThreadIn(BodyIn):
    title: Title
    body: LongText
    is_internal: bool = False


class ThreadEditIn(BodyIn):
    title: Title
    body: LongText


class ArchiveIn(BodyIn):
    archived: bool


class CommentIn(BodyIn):
    body: LongText


class TaskIn(BodyIn):
    title: Title
    description: LongText = ""
    assignee: int | None = None
    due_date: date | None = Field(None, description="today or later")
    is_internal: bool = False


class TaskStatusIn(BodyIn):
    status: StatusName  # type: ignore[valid-type]


class TaskFilter(Schema):
    status: StatusName | None = None  # type: ignore[valid-type]


def _thread_out(thread: Thread) -> ThreadOut:
    return ThreadOut(
        id=thread.pk,
        title=thread.title,
        body=thread.body,
        author=member_ref(thread.author) if thread.author else None,
        is_internal=thread.is_internal,
        created_at=thread.created_at,
    )


def _task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.pk,
        title=task.title,
        description=task.description,
        status=task.status,
        assignee=member_ref(task.assignee) if task.assignee else None,
        due_date=task.due_date,
        is_internal=task.is_internal,
    )


@router.get("", response={200: list[ProjectOut], **COMMON_ERRORS}, summary=_("My projects"))
def list_projects(request: HttpRequest) -> list[ProjectOut]:
    return [
        ProjectOut(
            id=project.pk,
            name=project.name,
            company=project.company.name,
            description=project.description,
            archived=project.archived_at is not None,
        )
        for project in my_projects(signed_in_member(request))
    ]


@router.get(
    "/{project_id}",
    response={200: ProjectDetailOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A project, with who takes part and the caller's role"),
)
def get_project(request: HttpRequest, project_id: int) -> ProjectDetailOut:
    standing = access_project_by_id(signed_in_member(request), project_id)
    project = standing.project
    return ProjectDetailOut(
        id=project.pk,
        name=project.name,
        company=project.company.name,
        description=project.description,
        archived=standing.is_archived,
        role=standing.role,
        sees_internal=standing.is_insider,
        needed_skills=[skill.slug for skill in project.needed_skills.all()],
        people=[
            ParticipantOut(
                member=member_ref(p.member),
                role=p.role,
                company=p.company_name,
                is_guest=p.member.is_guest,
            )
            for p in project_participants(project).everyone
        ],
    )


@router.get(
    "/{project_id}/threads",
    response={200: list[ThreadOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Threads the caller sees, latest activity first"),
)
def list_threads(request: HttpRequest, project_id: int) -> list[ThreadOut]:
    standing = access_project_by_id(signed_in_member(request), project_id)
    return [_thread_out(thread) for thread in project_threads(standing)]


@router.post(
    "/{project_id}/threads",
    response={201: ThreadOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Start a thread (contributors; internal only from the owning company)"),
)
def start_thread(request: HttpRequest, project_id: int, payload: ThreadIn) -> Status[ThreadOut]:
    standing = access_project_by_id(signed_in_member(request), project_id, to_contribute=True)
    thread = check_start_thread(
        standing, title=payload.title, body=payload.body, is_internal=payload.is_internal
    )
    return Status(201, _thread_out(thread))


@router.get(
    "/threads/{thread_id}",
    response={200: ThreadDetailOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A thread with its comments"),
)
def get_thread(request: HttpRequest, thread_id: int) -> ThreadDetailOut:
    thread, _standing = access_thread_by_id(signed_in_member(request), thread_id)
    return ThreadDetailOut(
        **_thread_out(thread).dict(),
        comments=[
            CommentOut(
                id=comment.pk,
                author=member_ref(comment.author) if comment.author else None,
                body=comment.body,
                created_at=comment.created_at,
            )
            for comment in thread_comments(thread)
        ],
    )


@router.post(
    "/threads/{thread_id}/comments",
    response={201: CommentOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Comment on a thread (everyone who sees it, guest viewers too)"),
)
def comment(request: HttpRequest, thread_id: int, payload: CommentIn) -> Status[CommentOut]:
    thread, standing = access_thread_by_id(signed_in_member(request), thread_id, to_comment=True)
    made = check_comment(standing, thread, body=payload.body)
    return Status(
        201,
        CommentOut(
            id=made.pk,
            author=member_ref(standing.member),
            body=made.body,
            created_at=made.created_at,
        ),
    )


@router.post(
    "/{project_id}/archive",
    response={200: ProjectOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Archive the project (read-only for everyone) or bring it back (owners)"),
)
def archive(request: HttpRequest, project_id: int, payload: ArchiveIn) -> ProjectOut:
    standing = access_project_by_id(signed_in_member(request), project_id, to_archive=True)
    project = check_set_archived(standing, payload.archived)
    return ProjectOut(
        id=project.pk,
        name=project.name,
        company=project.company.name,
        description=project.description,
        archived=project.archived_at is not None,
    )


@router.patch(
    "/threads/{thread_id}",
    response={200: ThreadOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Change a thread's title and text (its author or an owner)"),
)
def edit_thread(request: HttpRequest, thread_id: int, payload: ThreadEditIn) -> ThreadOut:
    thread, standing = access_thread_by_id(signed_in_member(request), thread_id, to_edit=True)
    return _thread_out(check_edit_thread(standing, thread, title=payload.title, body=payload.body))


@router.delete(
    "/threads/{thread_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Delete a thread and its comments (its author or an owner)"),
)
def delete_thread(request: HttpRequest, thread_id: int) -> Status[None]:
    thread, standing = access_thread_by_id(signed_in_member(request), thread_id, to_edit=True)
    check_delete_thread(standing, thread)
    return Status(204, None)


@router.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Change a comment (its author or an owner)"),
)
def edit_comment(request: HttpRequest, comment_id: int, payload: CommentIn) -> CommentOut:
    found, standing = access_comment_by_id(signed_in_member(request), comment_id)
    changed = check_edit_comment(standing, found, body=payload.body)
    return CommentOut(
        id=changed.pk,
        author=member_ref(changed.author) if changed.author else None,
        body=changed.body,
        created_at=changed.created_at,
    )


@router.delete(
    "/comments/{comment_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Delete a comment (its author or an owner)"),
)
def delete_comment(request: HttpRequest, comment_id: int) -> Status[None]:
    found, standing = access_comment_by_id(signed_in_member(request), comment_id)
    check_delete_comment(standing, found)
    return Status(204, None)


@router.get(
    "/{project_id}/tasks",
    response={200: list[TaskOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Tasks the caller sees, by due date"),
)
def list_tasks(request: HttpRequest, project_id: int, filters: Query[TaskFilter]) -> list[TaskOut]:
    standing = access_project_by_id(signed_in_member(request), project_id)
    return [_task_out(task) for task in project_tasks(standing, status=filters.status or "")]


@router.post(
    "/{project_id}/tasks",
    response={201: TaskOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Add a task (contributors); the assignee is told"),
)
def create_task(request: HttpRequest, project_id: int, payload: TaskIn) -> Status[TaskOut]:
    standing = access_project_by_id(signed_in_member(request), project_id, to_contribute=True)
    task = check_create_task(
        standing,
        title=payload.title,
        description=payload.description,
        assignee_id=payload.assignee,
        due_date=payload.due_date,
        is_internal=payload.is_internal,
    )
    return Status(201, _task_out(task))


@router.post(
    "/tasks/{task_id}/status",
    response={200: TaskOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Move a task to another status (contributors)"),
)
def set_task_status(request: HttpRequest, task_id: int, payload: TaskStatusIn) -> TaskOut:
    task, standing = access_task_by_id(signed_in_member(request), task_id, to_edit=True)
    return _task_out(check_set_task_status(standing, task, payload.status))
