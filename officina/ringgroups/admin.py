"""The admin's pages for ring groups keep the rules and take the locks the group's own
pages do (``ringgroups.actions``, ``trunks.actions.hold_route_targets``): a group that
calls are routed to is neither renumbered nor removed, one at a time or in bulk, and a
route saved meanwhile waits for the change. Staff see every owner, so the refusals name
every route (``seen_by=None``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from officina.core.errors import OfficinaError
from officina.trunks.actions import hold_route_targets, refuse_if_routed_to
from officina.trunks.kinds import RouteKind

from .actions import check_delete_ring_group, check_out_of_hours_number, hold_ring_group_for_removal
from .models import RingGroup, RingGroupMember


class RingGroupMemberInline(admin.TabularInline[RingGroupMember, RingGroup]):
    model = RingGroupMember
    fields = ("member", "position", "available")
    raw_id_fields = ("member",)
    extra = 0


class RingGroupAdminForm(forms.ModelForm[RingGroup]):
    """The admin's own edit keeps the rules the group's page keeps: a group that calls
    are routed to keeps its number, and out of hours it sends calls to an extension or
    another group that stays until the edit is saved."""

    class Meta:
        model = RingGroup
        fields = "__all__"  # noqa: DJ007 (the admin shows every field)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.get("number")
        if number is None:
            return cleaned  # the number's own error is shown
        group = self.instance if self.instance.pk is not None else None
        # Held until the admin's save commits (its change view is one transaction): the
        # group is not routed to, nor the group it overflows to removed, meanwhile.
        groups, _menus = hold_route_targets(
            [cleaned.get("out_of_hours_number", "")],
            group_id=group.pk if group is not None else None,
        )
        if group is not None and group.pk not in groups:
            # Saving it now would make it again, without its people.
            self.add_error(None, _("This ring group was removed meanwhile."))
            return cleaned
        try:
            if group is not None and number != groups[group.pk]:
                refuse_if_routed_to(
                    RouteKind.RING_GROUP, groups[group.pk], seen_by=None, field="number"
                )
            cleaned["out_of_hours_number"] = check_out_of_hours_number(
                number, cleaned.get("out_of_hours_number", "")
            )
        except OfficinaError as refusal:
            self.add_error(str(refusal.details["field"]), str(refusal.message))
        return cleaned


@admin.register(RingGroup)
class RingGroupAdmin(admin.ModelAdmin[RingGroup]):
    form = RingGroupAdminForm
    list_display = ("number", "name", "company", "space", "strategy", "targets")
    list_filter = ("strategy", "targets")
    raw_id_fields = ("company", "space")
    inlines = (RingGroupMemberInline,)
    actions = ("delete_unless_routed_to",)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Replaced by delete_unless_routed_to: the site's own would remove a group that
        # calls are routed to.
        actions.pop("delete_selected", None)
        return actions

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # One transaction from the check to the removal: the group's lock is held, so no
        # route to it is saved in between.
        with transaction.atomic():
            group = self.get_object(request, unquote(object_id))
            if group is not None and self.has_delete_permission(request, group):
                try:
                    hold_ring_group_for_removal(group, seen_by=None)
                except OfficinaError as refusal:
                    self.message_user(request, refused_message(group, refusal), messages.ERROR)
                    return HttpResponseRedirect(
                        reverse("admin:ringgroups_ringgroup_change", args=(group.pk,))
                    )
            return super().delete_view(request, object_id, extra_context)

    @admin.action(
        permissions=["delete"],
        description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
    )
    def delete_unless_routed_to(
        self, request: HttpRequest, queryset: QuerySet[RingGroup]
    ) -> HttpResponse | None:
        """The site's bulk removal, refused whole when calls are routed to any of the
        groups (each refusal said); the groups stay locked from the check to the
        removal."""
        with transaction.atomic():
            refused = False
            # By id: the order every lock on groups is taken in (hold_route_targets).
            for group in queryset.order_by("pk"):
                try:
                    hold_ring_group_for_removal(group, seen_by=None)
                except OfficinaError as refusal:
                    self.message_user(request, refused_message(group, refusal), messages.ERROR)
                    refused = True
            if refused:
                self.message_user(request, _("No ring group was removed."), messages.ERROR)
                return None
            response: HttpResponse | None = delete_selected(self, request, queryset)
            return response

    def delete_model(self, request: HttpRequest, obj: RingGroup) -> None:
        check_delete_ring_group(obj, seen_by=None)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RingGroup]) -> None:
        for group in queryset.order_by("pk"):
            check_delete_ring_group(group, seen_by=None)


def refused_message(group: RingGroup, refusal: OfficinaError) -> str:
    return _("Ring group “%(group)s” stays. %(refusal)s") % {
        "group": group,
        "refusal": refusal.message,
    }
