"""Admin for the community's managers: every model searchable and filterable.

Removing a company or a space removes its phone system with it (trunks and numbers, ring
groups, menus): refused, one at a time or in bulk, while calls come to one of its groups
or menus from outside it (``trunks.actions.hold_owners_for_removal``,
``refuse_removal_if_routed_to``); once it is removed, so are the stored files of what went
with it (``accounts.actions.do_remove_owners``)."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from officina.core.errors import OfficinaError
from officina.trunks.actions import (
    hold_owner_for_removal,
    hold_owners_for_removal,
    refuse_removal_if_routed_to,
)

from .actions import do_remove_owners
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


_Owner = TypeVar("_Owner", Company, Space)


class PhoneOwnerAdmin(admin.ModelAdmin[_Owner]):
    """The removal of a company or a space, on its delete page and in bulk, refused while
    calls are routed to its ring groups or menus from outside it; it, its groups and its
    menus stay locked from the check to the removal, so a route saved or a group or menu
    made for it meanwhile waits for it. Its files go once the removal commits."""

    actions = ("delete_unless_routed_to",)
    # "%(name)s stays. %(refusal)s" and "none was removed", said of one of these.
    stays: ClassVar[Promise]
    none_removed: ClassVar[Promise]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Replaced by delete_unless_routed_to: the site's own would take the owner's
        # groups and menus from under the routes of others.
        actions.pop("delete_selected", None)
        return actions

    def refused(self, owner: _Owner, refusal: OfficinaError) -> str:
        return str(self.stays) % {"name": owner.name, "refusal": refusal.message}

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # One transaction from the check to the removal: the locks are held, so no route
        # to its groups or menus is saved in between.
        with transaction.atomic():
            owner = self.get_object(request, unquote(object_id))
            if owner is not None and self.has_delete_permission(request, owner):
                try:
                    hold_owner_for_removal(owner)
                except OfficinaError as refusal:
                    self.message_user(request, self.refused(owner, refusal), messages.ERROR)
                    opts = self.model._meta
                    return HttpResponseRedirect(
                        reverse(
                            f"admin:{opts.app_label}_{opts.model_name}_change", args=(owner.pk,)
                        )
                    )
            return super().delete_view(request, object_id, extra_context)

    @admin.action(
        permissions=["delete"],
        description=_("Delete selected %(verbose_name_plural)s"),
    )
    def delete_unless_routed_to(
        self, request: HttpRequest, queryset: QuerySet[_Owner]
    ) -> HttpResponse | None:
        """The site's bulk removal, refused whole when calls are routed from outside to
        the groups or menus of any of them (each refusal said)."""
        with transaction.atomic():
            refused = False
            owners = list(queryset.order_by("pk"))
            # All of them at once: their groups and menus in the one order every save
            # takes them in, never one owner's after another's.
            hold_owners_for_removal(owners)
            for owner in owners:
                try:
                    refuse_removal_if_routed_to(owner)
                except OfficinaError as refusal:
                    self.message_user(request, self.refused(owner, refusal), messages.ERROR)
                    refused = True
            if refused:
                self.message_user(request, str(self.none_removed), messages.ERROR)
                return None
            response: HttpResponse | None = delete_selected(self, request, queryset)
            return response

    def delete_model(self, request: HttpRequest, obj: _Owner) -> None:
        with transaction.atomic():
            hold_owner_for_removal(obj)
            do_remove_owners([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[_Owner]) -> None:
        with transaction.atomic():
            owners = list(queryset.order_by("pk"))
            hold_owners_for_removal(owners)
            for owner in owners:
                refuse_removal_if_routed_to(owner)
            do_remove_owners(owners)


@admin.register(Company)
class CompanyAdmin(PhoneOwnerAdmin[Company]):
    stays = _("The company “%(name)s” stays. %(refusal)s")
    none_removed = _("No company was removed.")
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
class SpaceAdmin(PhoneOwnerAdmin[Space]):
    stays = _("The space “%(name)s” stays. %(refusal)s")
    none_removed = _("No space was removed.")
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
