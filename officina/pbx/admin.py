from __future__ import annotations

from django.contrib import admin

from officina.pbx.models import CallRecord, Extension, Registration, SipCredential


class SipCredentialInline(admin.StackedInline[SipCredential, Extension]):
    model = SipCredential
    readonly_fields = ("username", "realm", "ha1_md5", "ha1_sha256", "changed_at")
    can_delete = False
    extra = 0


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin[Extension]):
    list_display = ("number", "kind", "member", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("number", "member__email", "member__first_name", "member__last_name")
    raw_id_fields = ("member",)
    inlines = (SipCredentialInline,)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin[Registration]):
    list_display = (
        "extension",
        "contact_uri",
        "transport",
        "received_host",
        "received_port",
        "user_agent",
        "expires_at",
    )
    list_filter = ("transport",)
    search_fields = ("extension__number", "contact_uri", "user_agent", "received_host")
    raw_id_fields = ("extension",)


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin[CallRecord]):
    list_display = (
        "started_at",
        "caller_number",
        "callee_number",
        "outcome",
        "final_status",
        "answered_by",
        "duration",
        "ended_by",
    )
    list_filter = ("outcome",)
    search_fields = ("call_id", "caller_number", "callee_number")
    date_hierarchy = "started_at"
    raw_id_fields = ("caller", "callee")
