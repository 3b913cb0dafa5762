from django.contrib import admin

from .models import OutboundPermission, PhoneNumber, Trunk


@admin.register(Trunk)
class TrunkAdmin(admin.ModelAdmin[Trunk]):
    list_display = ("name", "company", "space", "mode", "host", "status", "checked_at")
    exclude = ("password",)  # never shown back; set it on the trunk's own page


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin[PhoneNumber]):
    list_display = ("e164", "trunk", "route_kind", "route_target")


@admin.register(OutboundPermission)
class OutboundPermissionAdmin(admin.ModelAdmin[OutboundPermission]):
    list_display = ("member", "company", "international", "premium", "daily_minutes")
