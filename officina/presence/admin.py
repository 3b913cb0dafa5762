from __future__ import annotations

from django.contrib import admin

from .models import ArrivalWatch, CheckIn, Kiosk


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin[CheckIn]):
    list_display = ("member", "space", "kind", "started_at", "planned_until", "ended_at", "source")
    list_filter = ("space", "kind", "source", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("member__email", "member__first_name", "member__last_name", "note")
    date_hierarchy = "started_at"
    autocomplete_fields = ("member", "space")
    list_select_related = ("member", "space")


@admin.register(ArrivalWatch)
class ArrivalWatchAdmin(admin.ModelAdmin[ArrivalWatch]):
    list_display = ("watcher", "member", "created_at")
    search_fields = ("watcher__email", "watcher__last_name", "member__email", "member__last_name")
    list_filter = ("created_at",)
    autocomplete_fields = ("watcher", "member")
    list_select_related = ("watcher", "member")


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin[Kiosk]):
    list_display = ("name", "space", "created_by", "last_used_at", "paused_until", "revoked_at")
    list_filter = ("space", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "space__name")
    readonly_fields = ("token_hash", "created_at", "last_used_at")
    list_select_related = ("space", "created_by")
