"""Projects across companies: who takes part, their threads, tasks and files.

A project belongs to a company (its owner) and brings in other companies (clients,
suppliers, partners) and individual people, each with a role (``kinds.ProjectRole``).
People from outside the coworking join as project guests (``Member.is_guest``). Threads,
tasks and files marked internal are seen by the people of the owning company only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import NAME_MAX_LENGTH, ActivityKind, LinkKind, ProjectRole, TaskStatus


class Project(models.Model):
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owning company"),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True)
    # Kept for matchmaking's team suggestion: the skills the work needs.
    needed_skills = models.ManyToManyField(
        "skills.Skill", blank=True, related_name="+", verbose_name=_("needed skills")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # An archived project is read-only for everyone until an owner brings it back.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    # When its newest line of activity was written, and its newest line that is not
    # internal: "the latest across my projects" reads only lines as new as the n-th
    # project's, instead of every line of every project (selectors.my_activity).
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_open_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class ProjectCompany(models.Model):
    """A company taking part: all its people hold ``role`` in the project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="companies")
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=12, choices=ProjectRole.choices)
    # What the company is to the owner: client, supplier or partner (empty for the owner).
    relation = models.CharField(_("as"), max_length=10, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company in a project")
        verbose_name_plural = _("companies in projects")
        constraints = [
            models.UniqueConstraint(fields=["project", "company"], name="project_company_once")
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.project}"


class ProjectPerson(models.Model):
    """Someone invited in person: a member of the coworking or a project guest."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="people")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=12, choices=ProjectRole.choices)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person in a project")
        verbose_name_plural = _("people in projects")
        constraints = [
            models.UniqueConstraint(fields=["project", "member"], name="project_person_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.project}"


class ProjectInvitation(models.Model):
    """An address invited to a project; the mailed link carries a secret of which only the
    hash is kept. Accepting makes the guest account (or signs in an existing one)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=12, choices=ProjectRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("project invitation")
        verbose_name_plural = _("project invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=Q(accepted_at__isnull=True),
                name="project_invitation_pending_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.project}"


class Thread(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=NAME_MAX_LENGTH)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), auto_now_add=True)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [models.Index(fields=["project", "-last_activity_at"], name="thread_recent")]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.body[:60]


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=NAME_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.TODO
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    is_internal = models.BooleanField(_("internal"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["project", "status"], name="task_by_status")]

    def __str__(self) -> str:
        return self.title


class SharedFile(models.Model):
    """A document of the project; each upload of it is a :class:`FileVersion`."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    is_internal = models.BooleanField(_("internal"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shared file")
        verbose_name_plural = _("shared files")

    def __str__(self) -> str:
        return self.name


def _version_path(version: FileVersion, filename: str) -> str:
    # Never the uploaded name: the stored name is made of ids and the checked extension.
    return (
        f"projects/{version.file.project_id}/{version.file_id}/{version.number}.{version.extension}"
    )


class FileVersion(models.Model):
    file = models.ForeignKey(SharedFile, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.FileField(_("file"), upload_to=_version_path, max_length=200)
    original_name = models.CharField(_("uploaded as"), max_length=200)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("file version")
        verbose_name_plural = _("file versions")
        ordering = ("-number",)
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="file_version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.file} v{self.number}"


class ProjectLink(models.Model):
    """A booking or an event of the community that concerns the project, by id: the
    bookings and events apps own those rows and are read through their selectors."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("kind"), max_length=10, choices=LinkKind.choices)
    target_id = models.PositiveBigIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("linked booking or event")
        verbose_name_plural = _("linked bookings and events")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "target_id"], name="project_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id}"


class Activity(models.Model):
    """One line of the project's activity stream. The subject's title is copied so the
    line reads the same after the subject changes; ``is_internal`` hides it from the
    people who do not see the subject."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activity")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # A task's new status, kept as its value so the line reads in the reader's language.
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, blank=True)
    url = models.CharField(max_length=300, blank=True)
    is_internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("project activity")
        verbose_name_plural = _("project activity")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["project", "-created_at"], name="activity_recent")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"
