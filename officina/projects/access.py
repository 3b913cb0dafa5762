"""The one path to projects and what they hold.

A person sees a project they take part in: invited in person, or through a company they
belong to. Their role is the highest of those (``kinds.ROLE_RANK``): guest viewers read
and comment, contributors also start threads, add tasks and files, owners also manage
the project and who takes part. Items marked internal are seen by the people of the
owning company only. A thread, a comment, a file or a version is changed or deleted by
its author or by an owner. An archived project is read-only: nobody writes to it until
an owner brings it back. "Missing" and "not allowed" raise the same NOT_FOUND error, so
nobody can probe for projects, threads, tasks or files that are not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import member_company_ids_query
from officina.core.errors import ErrorCode, OfficinaError

from .kinds import ROLE_RANK, ProjectRole
from .models import (
    Comment,
    FileVersion,
    Project,
    ProjectCompany,
    ProjectPerson,
    SharedFile,
    Task,
    Thread,
)

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from officina.accounts.models import Member


def _not_found(message: str | Promise) -> OfficinaError:
    return OfficinaError(message, ErrorCode.NOT_FOUND)


def _signed_in(member: Member) -> bool:
    # Members and project guests alike: the guests' way in to Officina is this app.
    return bool(member.is_authenticated and member.is_active)


@dataclass(frozen=True)
class Standing:
    """Where a person stands in a project."""

    project: Project
    member: Member
    role: ProjectRole
    # Belongs to the owning company: sees what is internal.
    is_insider: bool

    @property
    def is_archived(self) -> bool:
        return self.project.archived_at is not None

    @property
    def is_owner(self) -> bool:
        """An owner, archived or not: the one who may bring an archived project back."""
        return self.role == ProjectRole.OWNER

    @property
    def may_comment(self) -> bool:
        return not self.is_archived

    @property
    def may_contribute(self) -> bool:
        return not self.is_archived and ROLE_RANK[self.role] >= ROLE_RANK[ProjectRole.CONTRIBUTOR]

    @property
    def may_manage(self) -> bool:
        return not self.is_archived and self.is_owner

    def may_change(self, author_id: int | None) -> bool:
        """Edit or delete what ``author_id`` wrote or shared: its author, or an owner."""
        return not self.is_archived and (author_id == self.member.pk or self.is_owner)

    def sees(self, item: Thread | Task | SharedFile) -> bool:
        return self.is_insider or not item.is_internal


def visible_projects(member: Member) -> QuerySet[Project]:
    """The projects the person takes part in, in person or through a company."""
    if not _signed_in(member):
        return Project.objects.none()
    # Two lookups by the person and by their companies, then the projects by id: testing
    # every project for the person (EXISTS per row) grows with all the projects there are.
    in_person = ProjectPerson.objects.filter(member=member).values("project_id")
    through_company = ProjectCompany.objects.filter(
        company_id__in=member_company_ids_query(member)
    ).values("project_id")
    return Project.objects.filter(Q(pk__in=in_person) | Q(pk__in=through_company))


def standing_in(member: Member, project: Project) -> Standing | None:
    """The person's standing in ``project``, or None when they take no part in it."""
    if not _signed_in(member):
        return None
    company_ids = set(member_company_ids_query(member).values_list("company_id", flat=True))
    roles = list(
        ProjectPerson.objects.filter(project=project, member=member).values_list("role", flat=True)
    )
    roles += ProjectCompany.objects.filter(project=project, company_id__in=company_ids).values_list(
        "role", flat=True
    )
    if not roles:
        return None
    role = max((ProjectRole(role) for role in roles), key=ROLE_RANK.__getitem__)
    return Standing(project, member, role, is_insider=project.company_id in company_ids)


def _require(standing: Standing, *, to_contribute: bool, to_manage: bool) -> bool:
    return (not to_contribute or standing.may_contribute) and (not to_manage or standing.may_manage)


def access_project_by_id(
    member: Member,
    project_id: int,
    *,
    to_contribute: bool = False,
    to_manage: bool = False,
    to_archive: bool = False,
) -> Standing:
    """A project to read; ``to_contribute`` and ``to_manage`` take that role and a project
    that is not archived; ``to_archive`` (archive it, or bring it back) takes an owner."""
    project = Project.objects.select_related("company").filter(pk=project_id).first()
    standing = standing_in(member, project) if project is not None else None
    if (
        standing is None
        or not _require(standing, to_contribute=to_contribute, to_manage=to_manage)
        or (to_archive and not standing.is_owner)
    ):
        raise _not_found(_("Project not found."))
    return standing


def access_thread_by_id(
    member: Member, thread_id: int, *, to_comment: bool = False, to_edit: bool = False
) -> tuple[Thread, Standing]:
    """A thread to read; ``to_comment`` takes a project that is not archived (every
    participant who sees the thread may comment, guest viewers too); ``to_edit`` (change
    or delete it) takes its author or an owner."""
    thread = (
        Thread.objects.select_related("project__company", "author").filter(pk=thread_id).first()
    )
    standing = standing_in(member, thread.project) if thread is not None else None
    if (
        thread is None
        or standing is None
        or not standing.sees(thread)
        or (to_comment and not standing.may_comment)
        or (to_edit and not standing.may_change(thread.author_id))
    ):
        raise _not_found(_("Thread not found."))
    return thread, standing


def access_comment_by_id(member: Member, comment_id: int) -> tuple[Comment, Standing]:
    """A comment to change or delete: its author's or an owner's, on a thread they see,
    in a project that is not archived."""
    comment = (
        Comment.objects.select_related("thread__project__company", "author")
        .filter(pk=comment_id)
        .first()
    )
    standing = standing_in(member, comment.thread.project) if comment is not None else None
    if (
        comment is None
        or standing is None
        or not standing.sees(comment.thread)
        or not standing.may_change(comment.author_id)
    ):
        raise _not_found(_("Comment not found."))
    return comment, standing


def access_task_by_id(
    member: Member, task_id: int, *, to_edit: bool = False
) -> tuple[Task, Standing]:
    """A task to read; ``to_edit`` (change it, move it) takes a contributor."""
    task = Task.objects.select_related("project__company", "assignee").filter(pk=task_id).first()
    standing = standing_in(member, task.project) if task is not None else None
    if (
        task is None
        or standing is None
        or not standing.sees(task)
        or not _require(standing, to_contribute=to_edit, to_manage=False)
    ):
        raise _not_found(_("Task not found."))
    return task, standing


def access_file_by_id(
    member: Member, file_id: int, *, to_upload: bool = False, to_delete: bool = False
) -> tuple[SharedFile, Standing]:
    """A shared file to read; ``to_upload`` (a new version) takes a contributor;
    ``to_delete`` (the file and all its versions) whoever shared it or an owner."""
    shared = SharedFile.objects.select_related("project__company").filter(pk=file_id).first()
    standing = standing_in(member, shared.project) if shared is not None else None
    if (
        shared is None
        or standing is None
        or not standing.sees(shared)
        or not _require(standing, to_contribute=to_upload, to_manage=False)
        or (to_delete and not standing.may_change(shared.created_by_id))
    ):
        raise _not_found(_("File not found."))
    return shared, standing


def access_version_by_id(
    member: Member, version_id: int, *, to_delete: bool = False
) -> tuple[FileVersion, Standing]:
    """One version of a shared file, to download; ``to_delete`` takes whoever uploaded it
    or an owner."""
    version = (
        FileVersion.objects.select_related("file__project__company").filter(pk=version_id).first()
    )
    standing = standing_in(member, version.file.project) if version is not None else None
    if (
        version is None
        or standing is None
        or not standing.sees(version.file)
        or (to_delete and not standing.may_change(version.uploaded_by_id))
    ):
        raise _not_found(_("File not found."))
    return version, standing
