from django.contrib import admin

from .models import RingGroup, RingGroupMember


class RingGroupMemberInline(admin.TabularInline[RingGroupMember, RingGroup]):
    model = RingGroupMember
    fields = ("member", "position", "available")
    raw_id_fields = ("member",)
    extra = 0


@admin.register(RingGroup)
class RingGroupAdmin(admin.ModelAdmin[RingGroup]):
    list_display = ("number", "name", "company", "space", "strategy", "targets")
    list_filter = ("strategy", "targets")
    raw_id_fields = ("company", "space")
    inlines = (RingGroupMemberInline,)
