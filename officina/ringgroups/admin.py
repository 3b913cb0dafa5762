from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from officina.core.errors import OfficinaError
from officina.trunks.actions import refuse_if_routed_to
from officina.trunks.kinds import RouteKind
from officina.trunks.selectors import routed_to

from .models import RingGroup, RingGroupMember


class RingGroupMemberInline(admin.TabularInline[RingGroupMember, RingGroup]):
    model = RingGroupMember
    fields = ("member", "position", "available")
    raw_id_fields = ("member",)
    extra = 0


class RingGroupAdminForm(forms.ModelForm[RingGroup]):
    """The admin's own edit keeps the rule the group's page keeps: a group that calls are
    routed to keeps its number."""

    class Meta:
        model = RingGroup
        fields = "__all__"  # noqa: DJ007 (the admin shows every field)

    def clean_number(self) -> str:
        number: str = self.cleaned_data["number"]
        if self.instance.pk is not None and number != self.instance.number:
            try:
                # Staff see every owner: the refusal names them all.
                refuse_if_routed_to(RouteKind.RING_GROUP, self.instance.number, seen_by=None)
            except OfficinaError as error:
                raise forms.ValidationError(str(error.message)) from None
        return number


@admin.register(RingGroup)
class RingGroupAdmin(admin.ModelAdmin[RingGroup]):
    form = RingGroupAdminForm
    list_display = ("number", "name", "company", "space", "strategy", "targets")
    list_filter = ("strategy", "targets")
    raw_id_fields = ("company", "space")
    inlines = (RingGroupMemberInline,)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A group calls are routed to is not removed here either (the delete page and the
        # bulk action both ask for each group), or its callers would get 480.
        if obj is not None and routed_to(RouteKind.RING_GROUP, obj.number, seen_by=None):
            return False
        return super().has_delete_permission(request, obj)
