from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models

from .models import (
    Booking,
    BookingFeedToken,
    BookingGuest,
    DeskRelease,
    FreeAgainWatch,
    OpeningHours,
    Resource,
    ResourcePhoto,
    SlotSearchWatch,
)


class OpeningHoursInline(admin.TabularInline[OpeningHours, Any]):
    model = OpeningHours
    extra = 0
    max_num = 7


class ResourcePhotoInline(admin.TabularInline[ResourcePhoto, Any]):
    """Captions here; photos are added, ordered and removed on the site or through the
    API, which check and re-encode the file and delete it with its row."""

    model = ResourcePhoto
    extra = 0
    fields = ("image", "caption", "position")
    readonly_fields = ("image", "position")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


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
    inlines = (OpeningHoursInline, ResourcePhotoInline)


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


M = TypeVar("M", bound=models.Model)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    """Rows written on the site, where the rules run and people are told: staff read
    them here and never add or change one."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(BookingGuest)
class BookingGuestAdmin(ReadOnlyAdmin[BookingGuest]):
    """Who was invited to what. A record: inviting and taking off happen on the site,
    which mails each guest their invitation or its cancellation."""

    list_display = ("email", "name", "member", "booking", "invited_at")
    list_filter = ("booking__resource__space", ("member", admin.EmptyFieldListFilter))
    search_fields = ("email", "name", "booking__title", "booking__resource__name")
    date_hierarchy = "invited_at"
    list_select_related = ("member", "booking__resource")

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(FreeAgainWatch)
class FreeAgainWatchAdmin(ReadOnlyAdmin[FreeAgainWatch]):
    """Members waiting for a taken time to become free. Staff may forget a request;
    it is made on the site, where its limits are checked."""

    list_display = ("member", "resource", "starts_at", "ends_at", "created_at")
    list_filter = ("resource__space", "resource__kind")
    search_fields = ("member__email", "member__last_name", "resource__name")
    date_hierarchy = "starts_at"
    list_select_related = ("member", "resource")


@admin.register(SlotSearchWatch)
class SlotSearchWatchAdmin(ReadOnlyAdmin[SlotSearchWatch]):
    """Members waiting for a slot that fits a search that found nothing. Staff may
    forget a request; it is made on the site, where its limits are checked."""

    list_display = ("member", "space", "day", "earliest", "latest", "minutes", "people", "kind")
    list_filter = ("space", "kind")
    search_fields = ("member__email", "member__last_name")
    date_hierarchy = "day"
    list_select_related = ("member", "space")
