"""Reads of projects, shaped for their pages. Every function takes a ``Standing`` (from
access.py) where what it returns depends on who looks: internal items are left out for
anyone outside the owning company."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Case, Count, Q, QuerySet, Value, When

from officina.accounts.selectors import (
    company_ids_of_members,
    company_people,
    member_company_ids_query,
)
from officina.bookings.selectors import bookings_by_ids
from officina.events.selectors import events_by_ids
from officina.pbx.selectors import member_extensions

from .access import Standing, visible_projects
from .kinds import ROLE_RANK, LinkKind, ProjectRole, TaskStatus
from .models import (
    Activity,
    Comment,
    FileVersion,
    Project,
    ProjectCompany,
    ProjectInvitation,
    ProjectLink,
    ProjectPerson,
    SharedFile,
    Task,
    Thread,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.bookings.models import Booking
    from officina.events.models import Event
    from officina.pbx.models import Extension


def my_projects(member: Member) -> QuerySet[Project]:
    return visible_projects(member).select_related("company").order_by("name", "id")


@dataclass
class Participant:
    """Someone of the project: in person, through a company, or both."""

    member: Member
    role: ProjectRole
    company_name: str = ""
    is_insider: bool = False
    extension: Extension | None = None

    @property
    def may_contribute(self) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[ProjectRole.CONTRIBUTOR]


@dataclass
class Participants:
    companies: list[ProjectCompany] = field(default_factory=list)
    people: list[ProjectPerson] = field(default_factory=list)
    everyone: list[Participant] = field(default_factory=list)

    def by_id(self) -> dict[int, Participant]:
        return {participant.member.pk: participant for participant in self.everyone}


def project_participants(project: Project, *, with_extensions: bool = False) -> Participants:
    """The companies and people of the project, and everyone who takes part, each with
    their highest role (and their phone extension, when asked for)."""
    companies = list(
        ProjectCompany.objects.filter(project=project)
        .select_related("company")
        .order_by("added_at", "id")
    )
    people = list(
        ProjectPerson.objects.filter(project=project)
        .select_related("member")
        .order_by("member__first_name", "member__last_name", "id")
    )
    everyone: dict[int, Participant] = {}

    def take(member: Member, role: str, company_name: str, is_insider: bool) -> None:
        if not member.is_active:
            return
        found = everyone.get(member.pk)
        if found is None:
            everyone[member.pk] = Participant(
                member, ProjectRole(role), company_name, is_insider=is_insider
            )
            return
        if ROLE_RANK[ProjectRole(role)] > ROLE_RANK[found.role]:
            found.role = ProjectRole(role)
        found.is_insider = found.is_insider or is_insider
        found.company_name = found.company_name or company_name

    for taking_part in companies:
        insider = taking_part.company_id == project.company_id
        for membership in company_people(taking_part.company):
            take(membership.member, taking_part.role, taking_part.company.name, insider)
    for person in people:
        take(person.member, person.role, "", False)
    ordered = sorted(
        everyone.values(),
        key=lambda p: (p.member.first_name.lower(), p.member.last_name.lower(), p.member.pk),
    )
    if with_extensions:
        by_member = {
            extension.member_id: extension
            for extension in member_extensions([p.member for p in ordered if not p.member.is_guest])
        }
        for participant in ordered:
            participant.extension = by_member.get(participant.member.pk)
    return Participants(companies, people, ordered)


def pending_invitations(project: Project) -> list[ProjectInvitation]:
    return list(
        ProjectInvitation.objects.filter(project=project, accepted_at__isnull=True).order_by(
            "created_at", "id"
        )
    )


def _seen_by(standing: Standing) -> Q:
    return Q() if standing.is_insider else Q(is_internal=False)


def project_threads(standing: Standing) -> QuerySet[Thread]:
    return (
        Thread.objects.filter(_seen_by(standing), project=standing.project)
        .select_related("author")
        .annotate(comment_count=Count("comments"))
        .order_by("-last_activity_at", "-id")
    )


def thread_comments(thread: Thread) -> list[Comment]:
    return list(Comment.objects.filter(thread=thread).select_related("author"))


@dataclass
class TaskColumn:
    status: TaskStatus
    tasks: list[Task]


def project_tasks(
    standing: Standing, *, status: str = "", assignee: Member | None = None
) -> QuerySet[Task]:
    """Tasks by due date (those without one last), then as they were added."""
    tasks = Task.objects.filter(_seen_by(standing), project=standing.project).select_related(
        "assignee"
    )
    if status:
        tasks = tasks.filter(status=status)
    if assignee is not None:
        tasks = tasks.filter(assignee=assignee)
    return tasks.order_by("due_date", "id")


def task_board(standing: Standing) -> list[TaskColumn]:
    """One column per status, in the order work moves."""
    by_status: dict[str, list[Task]] = {status: [] for status in TaskStatus.values}
    for task in project_tasks(standing):
        by_status[task.status].append(task)
    return [TaskColumn(TaskStatus(status), tasks) for status, tasks in by_status.items()]


def project_files(standing: Standing) -> list[SharedFile]:
    """Files, the most recently changed first, each with its versions in ``all_versions``
    (newest first)."""
    files = list(
        SharedFile.objects.filter(_seen_by(standing), project=standing.project).order_by(
            "-updated_at", "-id"
        )
    )
    versions: dict[int, list[FileVersion]] = {}
    for version in FileVersion.objects.filter(file__in=files).select_related("uploaded_by"):
        versions.setdefault(version.file_id, []).append(version)
    for shared in files:
        shared.all_versions = versions.get(shared.pk, [])  # type: ignore[attr-defined]
    return files


def file_versions(shared: SharedFile) -> list[FileVersion]:
    return list(FileVersion.objects.filter(file=shared).select_related("uploaded_by"))


@dataclass
class Linked:
    link: ProjectLink
    booking: Booking | None = None
    event: Event | None = None


def project_links(project: Project) -> list[Linked]:
    """The bookings and events linked to the project, soonest first; a link whose booking
    or event is gone is left out."""
    links = list(ProjectLink.objects.filter(project=project))
    bookings = bookings_by_ids([link.target_id for link in links if link.kind == LinkKind.BOOKING])
    events = events_by_ids([link.target_id for link in links if link.kind == LinkKind.EVENT])
    linked = []
    for link in links:
        if link.kind == LinkKind.BOOKING and link.target_id in bookings:
            linked.append(Linked(link, booking=bookings[link.target_id]))
        elif link.kind == LinkKind.EVENT and link.target_id in events:
            linked.append(Linked(link, event=events[link.target_id]))
    return sorted(
        linked,
        key=lambda item: (item.booking or item.event).starts_at,  # type: ignore[union-attr]
    )


def project_activity(standing: Standing, limit: int = 30) -> list[Activity]:
    return list(
        Activity.objects.filter(_seen_by(standing), project=standing.project).select_related(
            "actor"
        )[:limit]
    )


def my_activity(member: Member, limit: int = 20) -> list[Activity]:
    """The latest activity across the person's projects, for them alone: lines of the
    projects they take part in (in person or through a company), internal lines only of
    the projects their company owns. The social feed shows these too (a few lines), so
    they reach exactly the people of each project and nobody else.

    Two queries, neither of which reads every line of the person's projects. The first
    takes their projects with the time of each one's newest line the person may see
    (``last_activity_at`` for the owning company, ``last_open_activity_at`` for others).
    With ``limit`` projects or more, the ``limit``-th newest of those times is a floor:
    at least ``limit`` visible lines are that new (one per project), so the newest
    ``limit`` are too, and the second query reads only lines from the floor on, along
    ``activity_recent``. With fewer projects it reads their visible lines newest first
    (for one project, along the index, stopping at ``limit``). Someone in no project
    (or only in projects with nothing they may see) costs the first query only.
    """
    projects = list(
        visible_projects(member)
        .annotate(
            insider=Case(
                When(company_id__in=member_company_ids_query(member), then=Value(True)),
                default=Value(False),
            )
        )
        .values_list("pk", "insider", "last_activity_at", "last_open_activity_at")
        .order_by()
    )
    seen_last = [(last if insider else last_open) for _pk, insider, last, last_open in projects]
    newest = sorted((moment for moment in seen_last if moment is not None), reverse=True)
    if not newest:
        return []
    every = [pk for pk, *_rest in projects]
    insider_ids = [pk for pk, insider, *_rest in projects if insider]
    lines = Activity.objects.filter(project_id__in=every).filter(
        Q(is_internal=False) | Q(project_id__in=insider_ids)
    )
    if len(newest) >= limit:
        lines = lines.filter(created_at__gte=newest[limit - 1])
    return list(lines.select_related("actor", "project")[:limit])


def needed_skill_ids_of_project(project_id: int) -> list[int]:
    """The ids of the skills the project needs (``Project.needed_skills``), for
    matchmaking's team suggestion; empty for a project that does not exist. The caller
    decides who may ask (``access.access_project_by_id``)."""
    return list(
        Project.needed_skills.through.objects.filter(project_id=project_id)
        .order_by("skill_id")
        .values_list("skill_id", flat=True)
    )


def project_ids_of_members(member_ids: list[int]) -> dict[int, set[int]]:
    """member id → ids of the projects they take part in, in person or through one of
    their companies (who has worked with whom), in two queries."""
    projects: dict[int, set[int]] = {}
    for member_id, project_id in ProjectPerson.objects.filter(member_id__in=member_ids).values_list(
        "member_id", "project_id"
    ):
        projects.setdefault(member_id, set()).add(project_id)
    companies = company_ids_of_members(member_ids)
    by_company: dict[int, set[int]] = {}
    for company_id, project_id in ProjectCompany.objects.filter(
        company_id__in={pk for ids in companies.values() for pk in ids}
    ).values_list("company_id", "project_id"):
        by_company.setdefault(company_id, set()).add(project_id)
    for member_id, company_ids in companies.items():
        for company_id in company_ids:
            projects.setdefault(member_id, set()).update(by_company.get(company_id, ()))
    return projects


def finished_projects_needing_skills(
    member: Member, viewer: Member
) -> list[tuple[Project, set[int]]]:
    """The archived projects ``member`` took part in (in person or through a company) that
    needed skills, with those skills' ids, for a profile's evidence; only the projects
    ``viewer`` takes part in too, since nobody else may see a project. Officina has no
    other end for a project than its owners archiving it."""
    taken_part = project_ids_of_members([member.pk]).get(member.pk, set())
    if not taken_part:
        return []
    projects = list(
        visible_projects(viewer)
        .filter(pk__in=taken_part, archived_at__isnull=False)
        .order_by("-archived_at", "pk")
    )
    needed: dict[int, set[int]] = {}
    for project_id, skill_id in Project.needed_skills.through.objects.filter(
        project_id__in=[project.pk for project in projects]
    ).values_list("project_id", "skill_id"):
        needed.setdefault(project_id, set()).add(skill_id)
    return [(project, needed[project.pk]) for project in projects if project.pk in needed]
