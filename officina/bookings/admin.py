from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import Booking, BookingFeedToken, BookingGuest, DeskRelease, OpeningHours, Resource


class OpeningHoursInline(admin.TabularInline[OpeningHours, Any]):
    model = OpeningHours
    extra = 0
    max_num = 7


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin[Resource]):
    list_display = (
        "name",
        "space",
        "kind",
        "capacity",
        "max_minutes",
        "buffer_minutes",
        "approval_required",
        "is_active",
    )
    list_filter = ("space", "kind", "approval_required", "is_active")
    search_fields = ("name", "description")
    autocomplete_fields = ("space", "only_companies")
    list_select_related = ("space",)
    inlines = (OpeningHoursInline,)


class BookingGuestInline(admin.TabularInline[BookingGuest, Any]):
    """Read here; guests are invited on the site, which mails them their invitation."""

    model = BookingGuest
    extra = 0
    fields = readonly_fields = ("email", "name", "member", "invited_at")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin[Booking]):
    """Read and cancel here; bookings are made and moved on the site, where the rules and
    the overlap check run."""

    list_display = ("resource", "member", "starts_at", "ends_at", "status")
    list_filter = ("status", "resource__space", "resource__kind")
    search_fields = ("title", "resource__name", "member__email", "member__last_name")
    date_hierarchy = "starts_at"
    list_select_related = ("resource", "member")
    readonly_fields = (
        "resource",
        "member",
        "starts_at",
        "ends_at",
        "blocked_until",
        "claimed_at",
        "created_at",
    )
    fields = (*readonly_fields, "title", "status")
    inlines = (BookingGuestInline,)

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(BookingFeedToken)
class BookingFeedTokenAdmin(admin.ModelAdmin[BookingFeedToken]):
    list_display = ("member", "created_at")
    search_fields = ("member__email", "member__last_name")
    readonly_fields = ("token",)
    autocomplete_fields = ("member",)


@admin.register(DeskRelease)
class DeskReleaseAdmin(admin.ModelAdmin[DeskRelease]):
    list_display = ("space", "unclaimed_by")
    autocomplete_fields = ("space",)
