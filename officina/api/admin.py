from django.contrib import admin

from officina.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "member", "prefix", "created", "last_used", "revoked")
    list_filter = ("revoked", "created")
    search_fields = ("name", "prefix", "member__email", "member__last_name")
    readonly_fields = ("prefix", "token_hash", "created", "last_used")
    raw_id_fields = ("member",)
