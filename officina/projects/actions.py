"""Writes of projects: ``check_*`` validate then act, ``do_*`` only act, atomically.

Every ``check_*`` takes the actor's ``Standing`` (from access.py), already checked for the
role the action needs, and refuses bad input with a translated message naming the field,
changing nothing. Participants are told of what concerns them (mentions, assignments,
being added) through the notifications app; every change is a line of the project's
activity stream.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from officina.accounts.actions import check_create_project_guest
from officina.accounts.kinds import RelationKind
from officina.accounts.selectors import account_by_email
from officina.bookings.access import access_booking_by_id
from officina.core.errors import ErrorCode, OfficinaError
from officina.events.access import access_event_by_id
from officina.notifications.actions import Notice, do_notify_many
from officina.notifications.tasks import mail_after_commit
from officina.skills.selectors import skills_by_slugs

from .access import Standing
from .kinds import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, ActivityKind, LinkKind, ProjectRole, TaskStatus
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
from .selectors import Participant, project_participants
from .uploads import CheckedUpload

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from officina.accounts.models import Company, Member
    from officina.skills.models import Skill

MAX_NEEDED_SKILLS = 20


# Input -----------------------------------------------------------------------------------


def _name(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise OfficinaError.invalid_input(_("Give it a name."), field=field)
    if len(value) > NAME_MAX_LENGTH:
        raise OfficinaError.invalid_input(
            _("Keep it under %(count)d characters.") % {"count": NAME_MAX_LENGTH}, field=field
        )
    return value


def _text(value: str, field: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise OfficinaError.invalid_input(_("Write something first."), field=field)
    if len(value) > TEXT_MAX_LENGTH:
        raise OfficinaError.invalid_input(
            _("Keep it under %(count)d characters.") % {"count": TEXT_MAX_LENGTH}, field=field
        )
    return value


def _role(value: str) -> ProjectRole:
    if value not in ProjectRole.values:
        raise OfficinaError.invalid_input(_("Choose a role."), field="role")
    return ProjectRole(value)


def _internal(standing: Standing, is_internal: bool) -> bool:
    # Only the owning company's people see internal items, so only they make them.
    if is_internal and not standing.is_insider:
        raise OfficinaError.invalid_input(
            _("Only the people of %(company)s can mark something internal.")
            % {"company": standing.project.company.name},
            field="is_internal",
        )
    return is_internal


def _due_date(value: date | None, *, today: date, unchanged: date | None = None) -> date | None:
    """A due date may not be in the past, unless it is the one the task has already."""
    if value is not None and value < today and value != unchanged:
        raise OfficinaError.invalid_input(
            _("The due date %(date)s has passed: choose today or a later day.")
            % {"date": value.isoformat()},
            field="due_date",
        )
    return value


# Telling people --------------------------------------------------------------------------


def _notice(
    recipient: Member,
    actor: Member,
    kind: str,
    message: Promise,
    url: str,
    **params: str,
) -> Notice:
    """Stored as the English message and its values, worded in each reader's language
    when read (a page, an e-mail); ``name`` is always the actor's."""
    return Notice(
        recipient,
        kind,
        message,
        actor=actor,
        url=url,
        params={"name": actor.display_name, **params},
    )


def _tell(notices: Sequence[Notice], *, mail_guests: bool = True) -> None:
    """Notify, and e-mail the project guests among the recipients at once: they read no
    digest and have no other page of the community to hear of it on. Members get their
    digest as for any other notification. (``mail_guests=False`` where an e-mail of its
    own goes out already: the invitation.)"""
    notifications = do_notify_many(notices)
    if not mail_guests:
        return
    mail_after_commit(
        [
            notification
            for notice, notification in zip(notices, notifications, strict=True)
            if notice.recipient.is_guest
        ]
    )


def _record(
    project: Project,
    actor: Member | None,
    kind: ActivityKind,
    subject: str,
    url: str = "",
    *,
    is_internal: bool = False,
    status: str = "",
) -> None:
    line = Activity.objects.create(
        project=project,
        actor=actor,
        kind=kind,
        subject=subject[:200],
        status=status,
        url=url[:300],
        is_internal=is_internal,
    )
    newest = {"last_activity_at": line.created_at}
    if not is_internal:
        newest["last_open_activity_at"] = line.created_at
    Project.objects.filter(pk=project.pk).update(**newest)


MENTION = re.compile(r"@([^\s@,.;:!?()]+(?:[ ][^\s@,.;:!?()]+)?)")


def mentioned(text: str, participants: Iterable[Participant]) -> list[Member]:
    """The participants named as ``@First Last`` (or ``@First`` when only one has that
    first name) in ``text``, case aside."""
    words = {match.group(1).lower() for match in MENTION.finditer(text)}
    words |= {word.split(" ", 1)[0] for word in words}
    if not words:
        return []
    people = list(participants)
    first_names: dict[str, int] = {}
    for participant in people:
        first = participant.member.first_name.lower()
        first_names[first] = first_names.get(first, 0) + 1
    found = []
    for participant in people:
        member = participant.member
        full = f"{member.first_name} {member.last_name}".strip().lower()
        first = member.first_name.lower()
        if full in words or (first in words and first_names.get(first) == 1):
            found.append(member)
    return found


def _notify_mentions(
    standing: Standing, text: str, is_internal: bool, where: str, url: str, *, before: str = ""
) -> None:
    """Tell the participants ``text`` names who can see where it is; after an edit, only
    those the new text names and the old one (``before``) did not."""
    actor = standing.member
    seeing = _who_sees(standing.project, is_internal)
    already = {member.pk for member in mentioned(before, seeing)} if before else set()
    recipients = [
        member
        for member in mentioned(text, seeing)
        if member.pk != actor.pk and member.pk not in already
    ]
    _tell(
        [
            _notice(
                member,
                actor,
                "projects.mention",
                _("%(name)s mentioned you in %(where)s"),
                url,
                where=where,
            )
            for member in recipients
        ]
    )


def _who_sees(project: Project, is_internal: bool) -> list[Participant]:
    everyone = project_participants(project).everyone
    return [p for p in everyone if p.is_insider] if is_internal else everyone


# Projects --------------------------------------------------------------------------------


def project_url(project: Project) -> str:
    return reverse("projects:project", args=[project.pk])


def _needed_skills(slugs: Sequence[str]) -> list[Skill]:
    slugs = list(dict.fromkeys(slug.strip() for slug in slugs if slug.strip()))
    if len(slugs) > MAX_NEEDED_SKILLS:
        raise OfficinaError.invalid_input(
            _("Choose at most %(count)d skills.") % {"count": MAX_NEEDED_SKILLS},
            field="needed_skills",
        )
    skills = skills_by_slugs(slugs)
    if len(skills) != len(slugs):
        raise OfficinaError.invalid_input(_("Choose skills from the list."), field="needed_skills")
    return skills


@transaction.atomic
def check_create_project(
    actor: Member,
    company: Company,
    *,
    name: str,
    description: str = "",
    needed_skills: Sequence[str] = (),
) -> Project:
    """A new project of ``company``, which the caller checked the actor belongs to; all
    the company's people own it."""
    project = Project.objects.create(
        company=company,
        name=_name(name, "name"),
        description=_text(description, "description", required=False),
        created_by=actor,
    )
    project.needed_skills.set(_needed_skills(needed_skills))
    ProjectCompany.objects.create(project=project, company=company, role=ProjectRole.OWNER)
    _record(project, actor, ActivityKind.CREATED, project.name, project_url(project))
    return project


@transaction.atomic
def check_update_project(
    standing: Standing, *, name: str, description: str, needed_skills: Sequence[str]
) -> Project:
    project = standing.project
    project.name = _name(name, "name")
    project.description = _text(description, "description", required=False)
    project.save(update_fields=["name", "description"])
    project.needed_skills.set(_needed_skills(needed_skills))
    return project


@transaction.atomic
def check_set_archived(standing: Standing, archived: bool) -> Project:
    """Archive the project (read-only for everyone: nothing is added, changed or
    deleted) or bring it back; the caller checked the actor is an owner."""
    project = standing.project
    if archived == standing.is_archived:
        return project
    project.archived_at = timezone.now() if archived else None
    project.save(update_fields=["archived_at"])
    kind = ActivityKind.ARCHIVED if archived else ActivityKind.UNARCHIVED
    _record(project, standing.member, kind, project.name, project_url(project))
    return project


# Who takes part --------------------------------------------------------------------------


@transaction.atomic
def check_add_company(
    standing: Standing, company: Company, *, role: str, relation: str
) -> ProjectCompany:
    """Bring a company in (as client, supplier or partner): all its people take part."""
    project = standing.project
    if relation not in RelationKind.values:
        raise OfficinaError.invalid_input(
            _("Say whether it is a client, a supplier or a partner."), field="relation"
        )
    role = _role(role)
    if ProjectCompany.objects.filter(project=project, company=company).exists():
        raise OfficinaError.invalid_input(
            _("%(company)s takes part already.") % {"company": company.name}, field="company"
        )
    taking_part = ProjectCompany.objects.create(
        project=project, company=company, role=role, relation=relation
    )
    _record(project, standing.member, ActivityKind.JOINED, company.name, project_url(project))
    everyone = project_participants(project).everyone
    actor = standing.member
    _tell(
        [
            _notice(
                participant.member,
                actor,
                "projects.added",
                _("%(name)s added %(company)s to the project %(project)s"),
                project_url(project),
                company=company.name,
                project=project.name,
            )
            for participant in everyone
            if participant.company_name == company.name and participant.member.pk != actor.pk
        ]
    )
    return taking_part


@transaction.atomic
def check_remove_company(standing: Standing, company_id: int) -> None:
    project = standing.project
    if company_id == project.company_id:
        raise OfficinaError.invalid_input(_("The owning company cannot leave its project."))
    deleted, _rows = ProjectCompany.objects.filter(project=project, company_id=company_id).delete()
    if not deleted:
        raise OfficinaError(_("Company not found."), ErrorCode.NOT_FOUND)


@dataclass(frozen=True)
class InvitationLinks:
    """Where the invitation e-mails point: the acceptance link is made from its secret."""

    accept: Callable[[str], str]
    project: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def check_invite_person(
    standing: Standing, *, email: str, role: str, links: InvitationLinks
) -> ProjectPerson | ProjectInvitation:
    """Invite someone by e-mail: an existing account (a member's or a guest's) takes part
    at once and is told; anyone else gets a link that makes them a guest account."""
    project, actor = standing.project, standing.member
    email = email.strip().lower()
    try:
        validate_email(email)
    except Exception as error:
        raise OfficinaError.invalid_input(
            _("Enter a valid e-mail address."), field="email"
        ) from error
    role = _role(role)
    account = account_by_email(email)
    if account is not None:
        if account.pk in project_participants(project).by_id():
            raise OfficinaError.invalid_input(
                _("%(name)s takes part already.") % {"name": account.display_name},
                field="email",
            )
        person = ProjectPerson.objects.create(project=project, member=account, role=role)
        _record(project, actor, ActivityKind.JOINED, account.display_name, project_url(project))
        _tell(
            [
                _notice(
                    account,
                    actor,
                    "projects.added",
                    _("%(name)s added you to the project %(project)s"),
                    project_url(project),
                    project=project.name,
                )
            ],
            mail_guests=False,
        )
        _mail_invitation(project, actor, email, links.project, account.language)
        return person
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = ProjectInvitation.objects.create(
                project=project,
                email=email,
                role=role,
                token_hash=_token_hash(token),
                invited_by=actor,
            )
    except IntegrityError as error:
        raise OfficinaError.invalid_input(
            _("This address is invited already."), field="email"
        ) from error
    _mail_invitation(project, actor, email, links.accept(token), actor.language)
    return invitation


def _mail_invitation(project: Project, actor: Member, email: str, link: str, language: str) -> None:
    with override(language or None):
        send_mail(
            subject=_("%(name)s invites you to the project %(project)s")
            % {"name": actor.display_name, "project": project.name},
            message=_(
                "Hello,\n\n%(name)s of %(company)s invites you to work together on the "
                "project %(project)s in Officina. Open this link to take part:\n\n%(link)s\n\n"
                "If you do not know what this is about, ignore this message."
            )
            % {
                "name": actor.display_name,
                "company": project.company.name,
                "project": project.name,
                "link": link,
            },
            from_email=None,
            recipient_list=[email],
        )


def invitation_by_token(token: str) -> ProjectInvitation:
    invitation = (
        ProjectInvitation.objects.select_related("project__company")
        .filter(token_hash=_token_hash(token), accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        raise OfficinaError(
            _("This invitation is not valid or has been used already."), ErrorCode.NOT_FOUND
        )
    return invitation


@transaction.atomic
def check_accept_invitation(
    token: str, *, password: str, first_name: str, last_name: str, language: str = ""
) -> Member:
    """Make the invited address a guest account that takes part in the project."""
    invitation = invitation_by_token(token)
    guest = check_create_project_guest(
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )
    _join(invitation, guest)
    return guest


@transaction.atomic
def check_accept_invitation_as(token: str, member: Member) -> Project:
    """An existing account takes the invitation mailed to its own address."""
    invitation = invitation_by_token(token)
    if member.email.lower() != invitation.email.lower():
        raise OfficinaError(
            _("This invitation was sent to another address: log in with that one."),
            ErrorCode.PERMISSION_DENIED,
        )
    _join(invitation, member)
    return invitation.project


def _join(invitation: ProjectInvitation, member: Member) -> None:
    # Claimed once: of two tabs accepting together, the second finds it used.
    claimed = ProjectInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed:
        raise OfficinaError(
            _("This invitation is not valid or has been used already."), ErrorCode.NOT_FOUND
        )
    ProjectPerson.objects.get_or_create(
        project=invitation.project, member=member, defaults={"role": invitation.role}
    )
    _record(
        invitation.project,
        member,
        ActivityKind.JOINED,
        member.display_name,
        project_url(invitation.project),
    )


@transaction.atomic
def check_remove_person(standing: Standing, person_id: int) -> None:
    deleted, _rows = ProjectPerson.objects.filter(project=standing.project, pk=person_id).delete()
    if not deleted:
        raise OfficinaError(_("Person not found."), ErrorCode.NOT_FOUND)


@transaction.atomic
def check_cancel_invitation(standing: Standing, invitation_id: int) -> None:
    deleted, _rows = ProjectInvitation.objects.filter(
        project=standing.project, pk=invitation_id, accepted_at__isnull=True
    ).delete()
    if not deleted:
        raise OfficinaError(_("Invitation not found."), ErrorCode.NOT_FOUND)


# Threads ---------------------------------------------------------------------------------


def thread_url(thread: Thread) -> str:
    return reverse("projects:thread", args=[thread.pk])


@transaction.atomic
def check_start_thread(
    standing: Standing, *, title: str, body: str, is_internal: bool = False
) -> Thread:
    thread = Thread.objects.create(
        project=standing.project,
        title=_name(title, "title"),
        body=_text(body, "body", required=True),
        author=standing.member,
        is_internal=_internal(standing, is_internal),
    )
    url = thread_url(thread)
    _record(
        standing.project,
        standing.member,
        ActivityKind.THREAD,
        thread.title,
        url,
        is_internal=thread.is_internal,
    )
    _notify_mentions(standing, thread.body, thread.is_internal, thread.title, url)
    return thread


@transaction.atomic
def check_comment(standing: Standing, thread: Thread, *, body: str) -> Comment:
    """Any participant who sees the thread may comment, guest viewers too."""
    comment = Comment.objects.create(
        thread=thread, author=standing.member, body=_text(body, "body", required=True)
    )
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=comment.created_at)
    url = f"{thread_url(thread)}#comment-{comment.pk}"
    _record(
        standing.project,
        standing.member,
        ActivityKind.COMMENT,
        thread.title,
        url,
        is_internal=thread.is_internal,
    )
    _notify_mentions(standing, comment.body, thread.is_internal, thread.title, url)
    return comment


def _forget_links(project: Project, url: str) -> None:
    # Earlier lines of the stream keep their words but no longer point at what is gone.
    Activity.objects.filter(project=project, url__startswith=url).update(url="")


@transaction.atomic
def check_edit_thread(standing: Standing, thread: Thread, *, title: str, body: str) -> Thread:
    """Its author or an owner (checked by ``access_thread_by_id(to_edit=True)``)."""
    before = thread.body
    thread.title = _name(title, "title")
    thread.body = _text(body, "body", required=True)
    thread.edited_at = timezone.now()
    thread.save(update_fields=["title", "body", "edited_at"])
    url = thread_url(thread)
    _record(
        standing.project,
        standing.member,
        ActivityKind.THREAD_EDITED,
        thread.title,
        url,
        is_internal=thread.is_internal,
    )
    _notify_mentions(standing, thread.body, thread.is_internal, thread.title, url, before=before)
    return thread


@transaction.atomic
def check_delete_thread(standing: Standing, thread: Thread) -> None:
    """The thread and its comments; its lines in the stream stay, without their link."""
    url = thread_url(thread)
    thread.delete()
    _forget_links(standing.project, url)
    _record(
        standing.project,
        standing.member,
        ActivityKind.THREAD_DELETED,
        thread.title,
        is_internal=thread.is_internal,
    )


@transaction.atomic
def check_edit_comment(standing: Standing, comment: Comment, *, body: str) -> Comment:
    """Its author or an owner (checked by ``access_comment_by_id``)."""
    before = comment.body
    comment.body = _text(body, "body", required=True)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    thread = comment.thread
    url = f"{thread_url(thread)}#comment-{comment.pk}"
    _record(
        standing.project,
        standing.member,
        ActivityKind.COMMENT_EDITED,
        thread.title,
        url,
        is_internal=thread.is_internal,
    )
    _notify_mentions(standing, comment.body, thread.is_internal, thread.title, url, before=before)
    return comment


@transaction.atomic
def check_delete_comment(standing: Standing, comment: Comment) -> None:
    thread = comment.thread
    _forget_links(standing.project, f"{thread_url(thread)}#comment-{comment.pk}")
    comment.delete()
    _record(
        standing.project,
        standing.member,
        ActivityKind.COMMENT_DELETED,
        thread.title,
        thread_url(thread),
        is_internal=thread.is_internal,
    )


# Tasks -----------------------------------------------------------------------------------


def tasks_url(project: Project) -> str:
    return reverse("projects:tasks", args=[project.pk])


def _assignee(standing: Standing, assignee_id: int | None, is_internal: bool) -> Member | None:
    """Someone of the project who may work on the task (and see it, if internal)."""
    if assignee_id is None:
        return None
    participant = {p.member.pk: p for p in _who_sees(standing.project, is_internal)}.get(
        assignee_id
    )
    if participant is None or not participant.may_contribute:
        raise OfficinaError.invalid_input(
            _("Assign the task to someone of the project who contributes to it."),
            field="assignee",
        )
    return participant.member


def _tell_assignee(standing: Standing, task: Task) -> None:
    actor, assignee = standing.member, task.assignee
    if assignee is None or assignee.pk == actor.pk:
        return
    _tell(
        [
            _notice(
                assignee,
                actor,
                "projects.assigned",
                _("%(name)s assigned you the task %(task)s (%(project)s)"),
                reverse("projects:task", args=[task.pk]),
                task=task.title,
                project=task.project.name,
            )
        ]
    )


@transaction.atomic
def check_create_task(
    standing: Standing,
    *,
    title: str,
    description: str = "",
    assignee_id: int | None = None,
    due_date: date | None = None,
    is_internal: bool = False,
    today: date | None = None,
) -> Task:
    today = today or timezone.localdate()
    is_internal = _internal(standing, is_internal)
    task = Task.objects.create(
        project=standing.project,
        title=_name(title, "title"),
        description=_text(description, "description", required=False),
        assignee=_assignee(standing, assignee_id, is_internal),
        due_date=_due_date(due_date, today=today),
        is_internal=is_internal,
        created_by=standing.member,
    )
    _record(
        standing.project,
        standing.member,
        ActivityKind.TASK,
        task.title,
        tasks_url(task.project),
        is_internal=task.is_internal,
    )
    _tell_assignee(standing, task)
    _notify_mentions(
        standing, task.description, task.is_internal, task.title, tasks_url(task.project)
    )
    return task


@transaction.atomic
def check_update_task(
    standing: Standing,
    task: Task,
    *,
    title: str,
    description: str,
    assignee_id: int | None,
    due_date: date | None,
    status: str,
    today: date | None = None,
) -> Task:
    today = today or timezone.localdate()
    if status not in TaskStatus.values:
        raise OfficinaError.invalid_input(_("Choose a status."), field="status")
    before_assignee, before_status = task.assignee_id, task.status
    task.title = _name(title, "title")
    task.description = _text(description, "description", required=False)
    task.assignee = _assignee(standing, assignee_id, task.is_internal)
    task.due_date = _due_date(due_date, today=today, unchanged=task.due_date)
    task.status = status
    task.save()
    if task.assignee_id != before_assignee:
        _tell_assignee(standing, task)
    if task.status != before_status:
        _record_status(standing, task)
    return task


@transaction.atomic
def check_set_task_status(standing: Standing, task: Task, status: str) -> Task:
    if status not in TaskStatus.values:
        raise OfficinaError.invalid_input(_("Choose a status."), field="status")
    if task.status != status:
        task.status = status
        task.save(update_fields=["status", "updated_at"])
        _record_status(standing, task)
    return task


def _record_status(standing: Standing, task: Task) -> None:
    _record(
        standing.project,
        standing.member,
        ActivityKind.TASK_STATUS,
        task.title,
        tasks_url(task.project),
        is_internal=task.is_internal,
        status=task.status,
    )


# Files -----------------------------------------------------------------------------------


def file_url(shared: SharedFile) -> str:
    return reverse("projects:file", args=[shared.pk])


def _store_version(standing: Standing, shared: SharedFile, checked: CheckedUpload) -> FileVersion:
    number = (
        FileVersion.objects.filter(file=shared)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    ) + 1
    version = FileVersion(
        file=shared,
        number=number,
        original_name=checked.original_name,
        extension=checked.extension,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=standing.member,
    )
    # The bytes are stored first, then the row; a row that cannot be written takes its
    # bytes away again.
    version.content.save(f"{number}.{checked.extension}", checked.upload, save=False)
    try:
        version.save()
    except Exception:
        version.content.delete(save=False)
        raise
    SharedFile.objects.filter(pk=shared.pk).update(updated_at=version.uploaded_at)
    return version


@transaction.atomic
def check_add_file(
    standing: Standing, checked: CheckedUpload, *, name: str = "", is_internal: bool = False
) -> SharedFile:
    """A new shared file from an upload already checked by ``uploads.check_upload``."""
    shared = SharedFile.objects.create(
        project=standing.project,
        name=_name(name or checked.original_name, "name"),
        is_internal=_internal(standing, is_internal),
        created_by=standing.member,
    )
    _store_version(standing, shared, checked)
    _record(
        standing.project,
        standing.member,
        ActivityKind.FILE,
        shared.name,
        file_url(shared),
        is_internal=shared.is_internal,
    )
    return shared


@transaction.atomic
def check_add_version(
    standing: Standing, shared: SharedFile, checked: CheckedUpload
) -> FileVersion:
    # Versions are numbered in order: the file's row is locked while the next is chosen.
    SharedFile.objects.select_for_update().filter(pk=shared.pk).first()
    version = _store_version(standing, shared, checked)
    _record(
        standing.project,
        standing.member,
        ActivityKind.FILE_VERSION,
        f"{shared.name} v{version.number}",
        file_url(shared),
        is_internal=shared.is_internal,
    )
    return version


def _delete_stored(versions: Iterable[FileVersion]) -> None:
    # The bytes go once the rows are gone for good: a rolled-back delete keeps its file.
    names = [version.content.name for version in versions]
    storage = FileVersion._meta.get_field("content").storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def check_delete_file(standing: Standing, shared: SharedFile) -> None:
    """The file and every version of it (whoever shared it, or an owner)."""
    versions = list(FileVersion.objects.filter(file=shared))
    url = file_url(shared)
    shared.delete()
    _delete_stored(versions)
    _forget_links(standing.project, url)
    _record(
        standing.project,
        standing.member,
        ActivityKind.FILE_DELETED,
        shared.name,
        is_internal=shared.is_internal,
    )


@transaction.atomic
def check_delete_version(standing: Standing, version: FileVersion) -> None:
    """One version (whoever uploaded it, or an owner); a file keeps at least one: the
    last is deleted with the file."""
    shared = version.file
    # Locked like a new upload, so that two deletes cannot take away the last two.
    SharedFile.objects.select_for_update().filter(pk=shared.pk).first()
    if not FileVersion.objects.filter(file=shared).exclude(pk=version.pk).exists():
        raise OfficinaError.invalid_input(
            _("This is the only version of %(file)s: delete the file instead.")
            % {"file": shared.name},
            field="version",
        )
    version.delete()
    _delete_stored([version])
    _record(
        standing.project,
        standing.member,
        ActivityKind.VERSION_DELETED,
        f"{shared.name} v{version.number}",
        file_url(shared),
        is_internal=shared.is_internal,
    )


# Linked bookings and events --------------------------------------------------------------


@transaction.atomic
def check_link(standing: Standing, kind: str, target_id: int) -> ProjectLink:
    """Link a booking or an event the actor may see themselves."""
    actor, project = standing.member, standing.project
    if kind == LinkKind.BOOKING:
        booking = access_booking_by_id(actor, target_id)
        subject = booking.title or booking.resource.name
    elif kind == LinkKind.EVENT:
        subject = access_event_by_id(actor, target_id).title
    else:
        raise OfficinaError.invalid_input(_("Choose a booking or an event."), field="kind")
    link, created = ProjectLink.objects.get_or_create(
        project=project, kind=kind, target_id=target_id, defaults={"added_by": actor}
    )
    if created:
        _record(project, actor, ActivityKind.LINK, subject, project_url(project))
    return link


@transaction.atomic
def check_unlink(standing: Standing, link_id: int) -> None:
    deleted, _rows = ProjectLink.objects.filter(project=standing.project, pk=link_id).delete()
    if not deleted:
        raise OfficinaError(_("Link not found."), ErrorCode.NOT_FOUND)
