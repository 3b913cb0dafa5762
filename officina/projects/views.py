"""Project pages: my projects, a project's overview, people, threads, tasks (board and
list), files and their versions, linked bookings and events; accepting an invitation.

Every page reaches its data through access.py; project guests use these pages and no
others (see guest_boundary.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.selectors import (
    account_by_email,
    companies_directory,
    member_companies_by_name,
)
from officina.accounts.signed_in import signed_in_member
from officina.bookings.selectors import member_bookings
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.core.moments import shown_moment
from officina.events.selectors import upcoming_events
from officina.matchmaking.teams import suggest_team
from officina.skills.selectors import all_skills

from . import actions, selectors
from .access import (
    Standing,
    access_comment_by_id,
    access_file_by_id,
    access_project_by_id,
    access_task_by_id,
    access_thread_by_id,
    access_version_by_id,
)
from .forms import (
    AcceptInvitationForm,
    CommentForm,
    CompanyInviteForm,
    FileForm,
    LinkForm,
    NewProjectForm,
    PersonInviteForm,
    ProjectForm,
    TaskEditForm,
    TaskForm,
    ThreadEditForm,
    ThreadForm,
    VersionForm,
)
from .kinds import FILE_MAX_BYTES, LinkKind, TaskStatus
from .models import ProjectInvitation
from .uploads import ACCEPTED_EXTENSIONS, check_upload, download_response

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.projects.models import Project


def _skill_choices() -> list[tuple[str, str]]:
    return [(skill.slug, skill.name) for skill in all_skills()]


def _page(
    request: HttpRequest, template: str, standing: Standing, **context: object
) -> HttpResponse:
    return render(
        request,
        template,
        {"project": standing.project, "standing": standing, **context},
    )


# My projects -----------------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    return render(
        request,
        "projects/list.html",
        {
            "projects": selectors.my_projects(member),
            "activity": selectors.my_activity(member),
            "may_create": not member.is_guest and member_companies_by_name(member).exists(),
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    companies = {company.pk: company for company in member_companies_by_name(member)}
    if member.is_guest or not companies:
        raise OfficinaError(_("Project not found."), ErrorCode.NOT_FOUND)
    choices = [(pk, company.name) for pk, company in companies.items()]
    form = NewProjectForm(request.POST or None, companies=choices, skills=_skill_choices())
    if request.method == "POST" and form.is_valid():
        try:
            project = actions.check_create_project(
                member,
                companies[int(form.cleaned_data["company"])],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                needed_skills=form.cleaned_data["needed_skills"],
            )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Project created."))
            return redirect("projects:project", project.pk)
    return render(request, "projects/project_form.html", {"form": form, "is_new": True})


# One project -----------------------------------------------------------------------------


@login_required
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    member = signed_in_member(request)
    standing = access_project_by_id(member, project_id)
    project = standing.project
    targets = _link_targets(member, project) if standing.may_contribute else []
    needed_skills = list(project.needed_skills.all())
    return _page(
        request,
        "projects/project.html",
        standing,
        participants=selectors.project_participants(project, with_extensions=True).everyone,
        needed_skills=needed_skills,
        # Its owners see who in the community could cover what it needs (no query at all
        # for a project that names no skills).
        team=suggest_team(member, [skill.pk for skill in needed_skills])
        if standing.may_manage and needed_skills
        else None,
        links=selectors.project_links(project),
        activity=selectors.project_activity(standing),
        threads=list(selectors.project_threads(standing)[:5]),
        board=selectors.task_board(standing),
        link_form=LinkForm(targets=targets) if targets else None,
        sip_domain=settings.SIP_DOMAIN,
        tab="overview",
    )


@login_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    member = signed_in_member(request)
    standing = access_project_by_id(member, project_id, to_manage=True)
    project = standing.project
    initial = {
        "name": project.name,
        "description": project.description,
        "needed_skills": [skill.slug for skill in project.needed_skills.all()],
    }
    form = ProjectForm(request.POST or None, initial=initial, skills=_skill_choices())
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_update_project(standing, **form.cleaned_data)
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:project", project.pk)
    return _page(request, "projects/project_form.html", standing, form=form, is_new=False)


@login_required
@require_POST
def archive(request: HttpRequest, project_id: int) -> HttpResponse:
    standing = access_project_by_id(signed_in_member(request), project_id, to_archive=True)
    archived = request.POST.get("archived") == "1"
    actions.check_set_archived(standing, archived)
    messages.success(
        request,
        _("The project is archived: it can be read, not changed.")
        if archived
        else _("The project is back: everyone can work on it again."),
    )
    return redirect("projects:project", project_id)


# People ----------------------------------------------------------------------------------


def _company_choices(project: Project) -> list[tuple[str, str]]:
    taking_part = {c.company_id for c in selectors.project_participants(project).companies}
    return [
        (company.slug, company.name)
        for company in companies_directory()
        if company.pk not in taking_part
    ]


def _invitation_links(request: HttpRequest, project: Project) -> actions.InvitationLinks:
    return actions.InvitationLinks(
        accept=lambda token: request.build_absolute_uri(
            reverse("projects:invitation", args=[token])
        ),
        project=request.build_absolute_uri(reverse("projects:project", args=[project.pk])),
    )


@login_required
def people(request: HttpRequest, project_id: int) -> HttpResponse:
    member = signed_in_member(request)
    standing = access_project_by_id(member, project_id)
    project = standing.project
    company_form = CompanyInviteForm(prefix="company", companies=_company_choices(project))
    person_form = PersonInviteForm(prefix="person")
    if request.method == "POST":
        standing = access_project_by_id(member, project_id, to_manage=True)
        if "company-company" in request.POST:
            company_form = CompanyInviteForm(
                request.POST, prefix="company", companies=_company_choices(project)
            )
            if company_form.is_valid():
                company = companies_directory().get(slug=company_form.cleaned_data["company"])
                try:
                    actions.check_add_company(
                        standing,
                        company,
                        role=company_form.cleaned_data["role"],
                        relation=company_form.cleaned_data["relation"],
                    )
                except OfficinaError as error:
                    show_error_on_form(company_form, error)
                else:
                    messages.success(
                        request, _("%(company)s takes part now.") % {"company": company.name}
                    )
                    return redirect("projects:people", project.pk)
        else:
            person_form = PersonInviteForm(request.POST, prefix="person")
            if person_form.is_valid():
                try:
                    result = actions.check_invite_person(
                        standing,
                        email=person_form.cleaned_data["email"],
                        role=person_form.cleaned_data["role"],
                        links=_invitation_links(request, project),
                    )
                except OfficinaError as error:
                    show_error_on_form(person_form, error)
                else:
                    if isinstance(result, ProjectInvitation):
                        text = _("Invitation sent to %(email)s.") % {"email": result.email}
                    else:
                        text = _("%(name)s takes part now.") % {"name": result.member.display_name}
                    messages.success(request, text)
                    return redirect("projects:people", project.pk)
    participants = selectors.project_participants(project)
    return _page(
        request,
        "projects/people.html",
        standing,
        participants=participants,
        invitations=selectors.pending_invitations(project) if standing.may_manage else [],
        company_form=company_form,
        person_form=person_form,
        tab="people",
    )


@login_required
@require_POST
def remove_company(request: HttpRequest, project_id: int, company_id: int) -> HttpResponse:
    standing = access_project_by_id(signed_in_member(request), project_id, to_manage=True)
    try:
        actions.check_remove_company(standing, company_id)
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error.message))
    return redirect("projects:people", project_id)


@login_required
@require_POST
def remove_person(request: HttpRequest, project_id: int, person_id: int) -> HttpResponse:
    standing = access_project_by_id(signed_in_member(request), project_id, to_manage=True)
    actions.check_remove_person(standing, person_id)
    return redirect("projects:people", project_id)


@login_required
@require_POST
def cancel_invitation(request: HttpRequest, project_id: int, invitation_id: int) -> HttpResponse:
    standing = access_project_by_id(signed_in_member(request), project_id, to_manage=True)
    actions.check_cancel_invitation(standing, invitation_id)
    return redirect("projects:people", project_id)


def _request_language(request: HttpRequest) -> str:
    """The language the newcomer reads the page in becomes their account's."""
    return getattr(request, "LANGUAGE_CODE", "") or ""


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation e-mail: a newcomer chooses a name and a password and
    becomes a project guest; someone with an account logs in and takes part."""
    found = actions.invitation_by_token(token)
    has_account = account_by_email(found.email) is not None
    if has_account:
        if not request.user.is_authenticated:
            login_url = reverse("accounts:login")
            return redirect(f"{login_url}?next={request.path}")
        if request.method == "POST":
            project = actions.check_accept_invitation_as(token, signed_in_member(request))
            return redirect("projects:project", project.pk)
        return render(
            request, "projects/invitation.html", {"invitation": found, "has_account": True}
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guest = actions.check_accept_invitation(
                token, language=_request_language(request), **form.cleaned_data
            )
        except OfficinaError as error:
            show_error_on_form(form, error, default_field="password")
        else:
            login(request, guest, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome, %(name)s: this is the project.") % {"name": guest.first_name},
            )
            return redirect("projects:project", found.project_id)
    return render(
        request,
        "projects/invitation.html",
        {"invitation": found, "has_account": False, "form": form},
    )


# Threads ---------------------------------------------------------------------------------


@login_required
def threads(request: HttpRequest, project_id: int) -> HttpResponse:
    member = signed_in_member(request)
    standing = access_project_by_id(member, project_id)
    form = ThreadForm(request.POST or None)
    if request.method == "POST":
        standing = access_project_by_id(member, project_id, to_contribute=True)
        if form.is_valid():
            try:
                thread = actions.check_start_thread(standing, **form.cleaned_data)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                return redirect("projects:thread", thread.pk)
    return _page(
        request,
        "projects/threads.html",
        standing,
        threads=selectors.project_threads(standing),
        form=form,
        tab="threads",
    )


@login_required
def thread_page(request: HttpRequest, thread_id: int) -> HttpResponse:
    member = signed_in_member(request)
    thread, standing = access_thread_by_id(member, thread_id)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        thread, standing = access_thread_by_id(member, thread_id, to_comment=True)
        if form.is_valid():
            try:
                comment = actions.check_comment(standing, thread, body=form.cleaned_data["body"])
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                return redirect(f"{actions.thread_url(thread)}#comment-{comment.pk}")
    comments = selectors.thread_comments(thread)
    return _page(
        request,
        "projects/thread.html",
        standing,
        thread=thread,
        comments=comments,
        may_change_thread=standing.may_change(thread.author_id),
        changeable={c.pk for c in comments if standing.may_change(c.author_id)},
        form=form,
        tab="threads",
    )


@login_required
def thread_edit(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread, standing = access_thread_by_id(signed_in_member(request), thread_id, to_edit=True)
    form = ThreadEditForm(
        request.POST or None, initial={"title": thread.title, "body": thread.body}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_edit_thread(standing, thread, **form.cleaned_data)
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:thread", thread.pk)
    return _page(request, "projects/thread_edit.html", standing, thread=thread, form=form)


@login_required
@require_POST
def thread_delete(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread, standing = access_thread_by_id(signed_in_member(request), thread_id, to_edit=True)
    actions.check_delete_thread(standing, thread)
    messages.success(request, _("Thread deleted."))
    return redirect("projects:threads", standing.project.pk)


@login_required
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, standing = access_comment_by_id(signed_in_member(request), comment_id)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_edit_comment(standing, comment, body=form.cleaned_data["body"])
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            return redirect(f"{actions.thread_url(comment.thread)}#comment-{comment.pk}")
    return _page(
        request, "projects/comment_edit.html", standing, comment=comment, form=form, tab="threads"
    )


@login_required
@require_POST
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, standing = access_comment_by_id(signed_in_member(request), comment_id)
    actions.check_delete_comment(standing, comment)
    messages.success(request, _("Comment deleted."))
    return redirect("projects:thread", comment.thread.pk)


# Tasks -----------------------------------------------------------------------------------


def _assignable(project: Project) -> list[tuple[int, str]]:
    return [
        (p.member.pk, p.member.display_name)
        for p in selectors.project_participants(project).everyone
        if p.may_contribute
    ]


@login_required
def tasks(request: HttpRequest, project_id: int) -> HttpResponse:
    member = signed_in_member(request)
    standing = access_project_by_id(member, project_id)
    project = standing.project
    form = TaskForm(request.POST or None, people=_assignable(project))
    if request.method == "POST":
        standing = access_project_by_id(member, project_id, to_contribute=True)
        if form.is_valid():
            try:
                actions.check_create_task(
                    standing,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    assignee_id=form.cleaned_data["assignee"],
                    due_date=form.cleaned_data["due_date"],
                    is_internal=form.cleaned_data["is_internal"],
                )
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("Task added."))
                return redirect(request.get_full_path())
    view = "list" if request.GET.get("view") == "list" else "board"
    mine = request.GET.get("mine") == "1"
    status = request.GET.get("status", "")
    status = status if status in TaskStatus.values else ""
    return _page(
        request,
        "projects/tasks.html",
        standing,
        view=view,
        mine=mine,
        status=status,
        statuses=TaskStatus.choices,
        board=selectors.task_board(standing) if view == "board" else [],
        task_list=selectors.project_tasks(
            standing, status=status, assignee=member if mine else None
        )
        if view == "list"
        else [],
        form=form,
        today=timezone.localdate(),
        tab="tasks",
    )


@login_required
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    member = signed_in_member(request)
    task, standing = access_task_by_id(member, task_id)
    initial = {
        "title": task.title,
        "description": task.description,
        "assignee": task.assignee_id,
        "due_date": task.due_date,
        "status": task.status,
    }
    form = TaskEditForm(request.POST or None, initial=initial, people=_assignable(standing.project))
    if request.method == "POST":
        task, standing = access_task_by_id(member, task_id, to_edit=True)
        if form.is_valid():
            try:
                actions.check_update_task(
                    standing,
                    task,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    assignee_id=form.cleaned_data["assignee"],
                    due_date=form.cleaned_data["due_date"],
                    status=form.cleaned_data["status"],
                )
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("projects:tasks", standing.project.pk)
    return _page(request, "projects/task.html", standing, task=task, form=form, tab="tasks")


@login_required
@require_POST
def task_status(request: HttpRequest, task_id: int) -> HttpResponse:
    task, standing = access_task_by_id(signed_in_member(request), task_id, to_edit=True)
    try:
        actions.check_set_task_status(standing, task, request.POST.get("status", ""))
    except OfficinaError as error:
        messages.error(request, str(error.message))
    back = reverse("projects:tasks", args=[standing.project.pk])
    view = "?view=list" if request.POST.get("view") == "list" else ""
    return redirect(f"{back}{view}#task-{task.pk}")


# Files -----------------------------------------------------------------------------------


@login_required
def files(request: HttpRequest, project_id: int) -> HttpResponse:
    member = signed_in_member(request)
    standing = access_project_by_id(member, project_id)
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        standing = access_project_by_id(member, project_id, to_contribute=True)
        if form.is_valid():
            try:
                shared = actions.check_add_file(
                    standing,
                    check_upload(form.cleaned_data["upload"]),
                    name=form.cleaned_data["name"],
                    is_internal=form.cleaned_data["is_internal"],
                )
            except OfficinaError as error:
                show_error_on_form(form, error, default_field="upload")
            else:
                messages.success(request, _("File added."))
                return redirect("projects:file", shared.pk)
    return _page(
        request,
        "projects/files.html",
        standing,
        files=selectors.project_files(standing),
        form=form,
        accepted=", ".join(ACCEPTED_EXTENSIONS),
        limit=FILE_MAX_BYTES,
        tab="files",
    )


@login_required
def file_page(request: HttpRequest, file_id: int) -> HttpResponse:
    member = signed_in_member(request)
    shared, standing = access_file_by_id(member, file_id)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        shared, standing = access_file_by_id(member, file_id, to_upload=True)
        if form.is_valid():
            try:
                actions.check_add_version(
                    standing, shared, check_upload(form.cleaned_data["upload"])
                )
            except OfficinaError as error:
                show_error_on_form(form, error, default_field="upload")
            else:
                messages.success(request, _("New version added."))
                return redirect("projects:file", shared.pk)
    versions = selectors.file_versions(shared)
    return _page(
        request,
        "projects/file.html",
        standing,
        shared=shared,
        versions=versions,
        may_delete_file=standing.may_change(shared.created_by_id),
        # A file keeps at least one version: the last goes with the file.
        deletable={v.pk for v in versions if standing.may_change(v.uploaded_by_id)}
        if len(versions) > 1
        else set(),
        form=form,
        accepted=", ".join(ACCEPTED_EXTENSIONS),
        limit=FILE_MAX_BYTES,
        tab="files",
    )


@login_required
@require_POST
def file_delete(request: HttpRequest, file_id: int) -> HttpResponse:
    shared, standing = access_file_by_id(signed_in_member(request), file_id, to_delete=True)
    actions.check_delete_file(standing, shared)
    messages.success(request, _("File deleted."))
    return redirect("projects:files", standing.project.pk)


@login_required
@require_POST
def version_delete(request: HttpRequest, version_id: int) -> HttpResponse:
    version, standing = access_version_by_id(signed_in_member(request), version_id, to_delete=True)
    try:
        actions.check_delete_version(standing, version)
    except OfficinaError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Version deleted."))
    return redirect("projects:file", version.file_id)


@login_required
def download(request: HttpRequest, version_id: int) -> FileResponse:
    version, _standing = access_version_by_id(signed_in_member(request), version_id)
    return download_response(version)


# Linked bookings and events --------------------------------------------------------------


def _link_targets(member: Member, project: Project) -> list[tuple[str, str]]:
    """The member's upcoming bookings and the events they see, not linked yet."""
    linked = {(item.link.kind, item.link.target_id) for item in selectors.project_links(project)}
    targets = []
    for booking in member_bookings(member)[:30]:
        if (LinkKind.BOOKING, booking.pk) not in linked:
            # On the clock of the place, as the bookings pages show it.
            when = shown_moment(booking.starts_at, booking.resource.space.zone)
            targets.append((f"booking:{booking.pk}", f"{when} · {booking.resource.name}"))
    for event in upcoming_events(member)[:30]:
        if (LinkKind.EVENT, event.pk) not in linked:
            when = shown_moment(event.starts_at, event.space.zone)
            targets.append((f"event:{event.pk}", f"{when} · {event.title}"))
    return targets


@login_required
@require_POST
def link(request: HttpRequest, project_id: int) -> HttpResponse:
    member = signed_in_member(request)
    standing = access_project_by_id(member, project_id, to_contribute=True)
    kind, _sep, target = request.POST.get("target", "").partition(":")
    if not target.isdigit():
        messages.error(request, _("Choose a booking or an event."))
    else:
        try:
            actions.check_link(standing, kind, int(target))
        except OfficinaError as error:
            messages.error(request, str(error.message))
    return redirect("projects:project", project_id)


@login_required
@require_POST
def unlink(request: HttpRequest, project_id: int, link_id: int) -> HttpResponse:
    standing = access_project_by_id(signed_in_member(request), project_id, to_contribute=True)
    actions.check_unlink(standing, link_id)
    return redirect("projects:project", project_id)
