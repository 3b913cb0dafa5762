from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import RSVP, CalendarFeedToken, Event


class RSVPInline(admin.TabularInline[RSVP, Any]):
    model = RSVP
    extra = 0
    autocomplete_fields = ("member",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("title", "space", "starts_at", "ends_at", "organizer", "capacity", "visibility")
    list_filter = ("space", "visibility", "starts_at")
    search_fields = ("title", "description", "organizer__email", "organizer__last_name")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("space", "organizer")
    list_select_related = ("space", "organizer")
    inlines = (RSVPInline,)


@admin.register(RSVP)
class RSVPAdmin(admin.ModelAdmin[RSVP]):
    list_display = ("event", "member", "status", "updated_at")
    list_filter = ("status", "event__space")
    search_fields = ("event__title", "member__email", "member__last_name")
    autocomplete_fields = ("event", "member")
    list_select_related = ("event", "member")


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin[CalendarFeedToken]):
    list_display = ("member", "created_at")
    search_fields = ("member__email", "member__last_name")
    list_filter = ("created_at",)
    readonly_fields = ("token",)
    autocomplete_fields = ("member",)
