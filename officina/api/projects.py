"""/api/projects: the caller's projects, their people, threads and comments, tasks, and
shared files with their versions.

Project guests (people from outside the coworking invited to a project) may use these
routes and no other of the API. Internal threads and tasks are answered to the people of
the owning company only; what a caller may not see answers 404, like what does not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field, StringConstraints

from officina.accounts.signed_in import signed_in_member
from officina.api.auth import project_api_auth
from officina.api.schemas import COMMON_ERRORS, NO_NUL, BodyIn, ErrorOut, MemberRef, member_ref
from officina.api.schemas import translated_when_shown as _
from officina.projects.access import (
    access_comment_by_id,
    access_file_by_id,
    access_project_by_id,
    access_task_by_id,
    access_thread_by_id,
    access_version_by_id,
)
from officina.projects.actions import (
    check_add_file,
    check_add_version,
    check_comment,
    check_create_task,
    check_delete_comment,
    check_delete_file,
    check_delete_thread,
    check_delete_version,
    check_edit_comment,
    check_edit_thread,
    check_set_archived,
    check_set_task_status,
    check_start_thread,
)
from officina.projects.kinds import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, TaskStatus
from officina.projects.selectors import (
    file_versions,
    my_projects,
    project_files,
    project_participants,
    project_tasks,
    project_threads,
    thread_comments,
)
from officina.projects.uploads import check_upload, download_response

if TYPE_CHECKING:
    from officina.projects.models import FileVersion, SharedFile, Task, Thread

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


class VersionOut(Schema):
    id: int
    number: int
    original_name: str
    content_type: str
    size: int = Field(description="bytes")
    sha256: str
    uploaded_by: MemberRef | None
    uploaded_at: datetime
    download: str = Field(description="the address to download this version from")


class FileOut(Schema):
    id: int
    name: str
    is_internal: bool
    created_by: MemberRef | None
    updated_at: datetime
    versions: list[VersionOut] = Field(description="newest first")


class FileIn(Schema):
    """The form fields beside the upload (multipart/form-data)."""

    name: Title = Field("", description="shown name; the uploaded file's name by default")
    is_internal: bool = Field(False, description="only the owning company sees it")


def _version_out(version: FileVersion) -> VersionOut:
    return VersionOut(
        id=version.pk,
        number=version.number,
        original_name=version.original_name,
        content_type=version.content_type,
        size=version.size,
        sha256=version.sha256,
        uploaded_by=member_ref(version.uploaded_by) if version.uploaded_by else None,
        uploaded_at=version.uploaded_at,
        download=f"/api/projects/files/versions/{version.pk}/download",
    )


def _file_out(shared: SharedFile, versions: list[FileVersion]) -> FileOut:
    return FileOut(
        id=shared.pk,
        name=shared.name,
        is_internal=shared.is_internal,
        created_by=member_ref(shared.created_by) if shared.created_by else None,
        updated_at=shared.updated_at,
        versions=[_version_out(version) for version in versions],
    )


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


# Shared files ----------------------------------------------------------------------------
# Uploads go through the same check as the pages' (uploads.check_upload: size limit, the
# accepted types, the content matching its name); what a caller may not see answers 404.


@router.get(
    "/{project_id}/files",
    response={200: list[FileOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A project's shared files, each with its versions"),
)
def list_files(request: HttpRequest, project_id: int) -> list[FileOut]:
    standing = access_project_by_id(signed_in_member(request), project_id)
    return [
        _file_out(shared, getattr(shared, "all_versions", [])) for shared in project_files(standing)
    ]


@router.post(
    "/{project_id}/files",
    response={201: FileOut, 400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Share a file in a project"),
)
def upload_file(
    request: HttpRequest,
    project_id: int,
    upload: File[UploadedFile],
    details: Form[FileIn],
) -> Status[FileOut]:
    standing = access_project_by_id(signed_in_member(request), project_id, to_contribute=True)
    shared = check_add_file(
        standing, check_upload(upload), name=details.name, is_internal=details.is_internal
    )
    return Status(201, _file_out(shared, file_versions(shared)))


@router.get(
    "/files/{file_id}",
    response={200: FileOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A shared file with its versions"),
)
def get_file(request: HttpRequest, file_id: int) -> FileOut:
    shared, _standing = access_file_by_id(signed_in_member(request), file_id)
    return _file_out(shared, file_versions(shared))


@router.post(
    "/files/{file_id}/versions",
    response={201: VersionOut, 400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Upload a new version of a shared file"),
)
def upload_version(
    request: HttpRequest, file_id: int, upload: File[UploadedFile]
) -> Status[VersionOut]:
    shared, standing = access_file_by_id(signed_in_member(request), file_id, to_upload=True)
    version = check_add_version(standing, shared, check_upload(upload))
    return Status(201, _version_out(version))


@router.get(
    "/files/versions/{version_id}/download",
    response={200: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Download one version of a shared file"),
)
def download_version(request: HttpRequest, version_id: int) -> FileResponse:
    version, _standing = access_version_by_id(signed_in_member(request), version_id)
    return download_response(version)


@router.delete(
    "/files/versions/{version_id}",
    response={204: None, 400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Delete one version of a shared file (whoever uploaded it, or an owner)"),
)
def delete_version(request: HttpRequest, version_id: int) -> Status[None]:
    version, standing = access_version_by_id(signed_in_member(request), version_id, to_delete=True)
    check_delete_version(standing, version)
    return Status(204, None)


@router.delete(
    "/files/{file_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Delete a shared file and all its versions (whoever shared it, or an owner)"),
)
def delete_file(request: HttpRequest, file_id: int) -> Status[None]:
    shared, standing = access_file_by_id(signed_in_member(request), file_id, to_delete=True)
    check_delete_file(standing, shared)
    return Status(204, None)
