"""Admin for the community's managers: every model searchable and filterable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    Company,
    CompanyInvitation,
    CompanyJoinRequest,
    CompanyMembership,
    CompanyRelation,
    Member,
    Space,
    SpaceJoinRequest,
    SpaceMembership,
)


class CompanyMembershipInline(admin.TabularInline[CompanyMembership, Any]):
    model = CompanyMembership
    extra = 0
    autocomplete_fields = ("member", "company")


class SpaceMembershipInline(admin.TabularInline[SpaceMembership, Any]):
    model = SpaceMembership
    extra = 0
    autocomplete_fields = ("member", "space")


@admin.register(Member)
class MemberAdmin(UserAdmin[Member]):
    ordering = ("email",)
    list_display = (
        "email",
        "first_name",
        "last_name",
        "language",
        "is_staff",
        "is_active",
        "is_guest",
    )
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        "is_guest",
        "language",
        "presence_visibility",
        "space_memberships__space",
    )
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined", "kiosk_pin_locked_until")
    inlines = (CompanyMembershipInline, SpaceMembershipInline)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "language", "presence_visibility")},
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_guest",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Kiosk"), {"fields": ("kiosk_pin_failures", "kiosk_pin_locked_until")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "password1", "password2"),
            },
        ),
    )


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin[Company]):
    list_display = ("name", "city", "space", "created_at")
    list_filter = ("space", "city")
    search_fields = ("name", "slug", "city", "description")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (CompanyMembershipInline,)


@admin.register(CompanyMembership)
class CompanyMembershipAdmin(admin.ModelAdmin[CompanyMembership]):
    list_display = ("member", "company", "role", "is_primary", "joined_at")
    list_filter = ("role", "is_primary", "company__space")
    search_fields = ("member__email", "member__first_name", "member__last_name", "company__name")
    autocomplete_fields = ("member", "company")
    list_select_related = ("member", "company")


@admin.register(CompanyInvitation)
class CompanyInvitationAdmin(admin.ModelAdmin[CompanyInvitation]):
    list_display = ("email", "company", "role", "invited_by", "created_at")
    list_filter = ("role",)
    search_fields = ("email", "company__name")
    autocomplete_fields = ("company", "invited_by")
    list_select_related = ("company", "invited_by")


@admin.register(CompanyRelation)
class CompanyRelationAdmin(admin.ModelAdmin[CompanyRelation]):
    list_display = ("from_company", "kind", "to_company", "created_at")
    list_filter = ("kind",)
    search_fields = ("from_company__name", "to_company__name")
    autocomplete_fields = ("from_company", "to_company", "created_by")
    list_select_related = ("from_company", "to_company")


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin[Space]):
    list_display = ("name", "kind", "join_policy", "city", "time_zone", "capacity")
    list_filter = ("kind", "join_policy", "city", "time_zone")
    search_fields = ("name", "slug", "address", "city")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (SpaceMembershipInline,)


@admin.register(SpaceMembership)
class SpaceMembershipAdmin(admin.ModelAdmin[SpaceMembership]):
    list_display = ("member", "space", "role", "joined_at")
    list_filter = ("role", "space")
    search_fields = ("member__email", "member__first_name", "member__last_name", "space__name")
    autocomplete_fields = ("member", "space")
    list_select_related = ("member", "space")


@admin.register(SpaceJoinRequest)
class SpaceJoinRequestAdmin(admin.ModelAdmin[SpaceJoinRequest]):
    list_display = ("member", "space", "created_at")
    list_filter = ("space",)
    search_fields = ("member__email", "member__first_name", "member__last_name", "space__name")
    autocomplete_fields = ("member", "space")
    list_select_related = ("member", "space")


@admin.register(CompanyJoinRequest)
class CompanyJoinRequestAdmin(admin.ModelAdmin[CompanyJoinRequest]):
    list_display = ("member", "company", "created_at")
    list_filter = ("created_at",)
    search_fields = ("member__email", "member__first_name", "member__last_name", "company__name")
    autocomplete_fields = ("member", "company")
    list_select_related = ("member", "company")
