from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import (
    Activity,
    FileVersion,
    Project,
    ProjectCompany,
    ProjectInvitation,
    ProjectPerson,
    SharedFile,
    Task,
    Thread,
)


class ProjectCompanyInline(admin.TabularInline[ProjectCompany, Any]):
    model = ProjectCompany
    extra = 0
    autocomplete_fields = ("company",)


class ProjectPersonInline(admin.TabularInline[ProjectPerson, Any]):
    model = ProjectPerson
    extra = 0
    raw_id_fields = ("member",)


class ProjectInvitationInline(admin.TabularInline[ProjectInvitation, Any]):
    """Read and withdraw here; invitations are sent from the project's page, which mails
    the link (only its hash is stored)."""

    model = ProjectInvitation
    extra = 0
    fields = ("email", "role", "invited_by", "created_at", "accepted_at")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ("name", "company", "created_by", "created_at", "archived_at")
    list_filter = (("archived_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "description", "company__name")
    autocomplete_fields = ("company",)
    raw_id_fields = ("created_by",)
    filter_horizontal = ("needed_skills",)
    list_select_related = ("company", "created_by")
    inlines = (ProjectCompanyInline, ProjectPersonInline, ProjectInvitationInline)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin[Thread]):
    list_display = ("title", "project", "author", "is_internal", "last_activity_at")
    list_filter = ("is_internal",)
    search_fields = ("title", "body")
    raw_id_fields = ("project", "author")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin[Task]):
    list_display = ("title", "project", "status", "assignee", "due_date", "is_internal")
    list_filter = ("status", "is_internal")
    search_fields = ("title", "description")
    raw_id_fields = ("project", "assignee", "created_by")


class FileVersionInline(admin.TabularInline[FileVersion, Any]):
    model = FileVersion
    extra = 0
    fields = ("number", "original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        # Uploads go through the site, where their size and type are checked.
        return False


@admin.register(SharedFile)
class SharedFileAdmin(admin.ModelAdmin[SharedFile]):
    list_display = ("name", "project", "is_internal", "updated_at")
    list_filter = ("is_internal",)
    search_fields = ("name",)
    raw_id_fields = ("project", "created_by")
    inlines = (FileVersionInline,)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin[Activity]):
    list_display = ("project", "actor", "kind", "subject", "is_internal", "created_at")
    list_filter = ("kind", "is_internal")
    raw_id_fields = ("project", "actor")
