"""The admin's pages for ring groups keep the rules and take the locks the group's own
pages do, through the same actions (``ringgroups.actions``): a group is saved only as
its owner's managers could save it, a group that calls are routed to is neither
renumbered nor removed, one at a time or in bulk, a group removed meanwhile is not made
again, and a route saved meanwhile waits for the change. Staff see every owner, so the
refusals name every route (``seen_by=None``). A group's owner is set when it is made and
never changed (``OWNER_FIELDS``, read-only on the change form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from officina.core.errors import OfficinaError

from .actions import (
    RingGroupInput,
    check_delete_ring_group,
    hold_and_check_ring_group,
    hold_ring_group_for_removal,
)
from .models import RingGroup, RingGroupMember

# A group's owner, read-only once it is made: moving it to another owner would leave its
# old owner's numbers, menus and groups routing to another owner's group (and refusing
# the move while anything routes there would only say so after staff had chosen), its
# people would belong to no one listed, and its hours would be another's.
OWNER_FIELDS = ("company", "space")


class RingGroupMemberInline(admin.TabularInline[RingGroupMember, RingGroup]):
    model = RingGroupMember
    fields = ("member", "position", "available")
    raw_id_fields = ("member",)
    extra = 0


# The rows of the group's people as the admin's inline posts them, under its prefix (the
# relation's name): read by the group's form too, whose checks need its people in order.
PEOPLE_PREFIX = "members"
PeopleFormSet: type[BaseInlineFormSet[RingGroupMember, RingGroup, Any]] = (
    forms.inlineformset_factory(
        RingGroup, RingGroupMember, fields=("member", "position", "available"), extra=0
    )
)


def people_after_save(form: forms.ModelForm[RingGroup]) -> list[int] | None:
    """The ids of the group's people in ringing order as the admin's save leaves them:
    its rows as they are, changed, removed or added by the inline posted with ``form``
    (none posted: as they are). None when the inline has errors of its own: they are
    shown, and nothing is saved."""
    group = form.instance
    rows: dict[object, tuple[int, int, int]] = (
        {
            place.pk: (place.position, index, place.member_id)
            for index, place in enumerate(RingGroupMember.objects.filter(group=group))
        }
        if group.pk is not None
        else {}
    )
    if f"{PEOPLE_PREFIX}-TOTAL_FORMS" in form.data:
        people = PeopleFormSet(form.data, instance=group, prefix=PEOPLE_PREFIX)
        if not people.is_valid():
            return None
        for index, row in enumerate(people.forms, start=len(rows)):
            kept = row not in people.deleted_forms
            if row in people.initial_forms:
                if not kept:
                    rows.pop(row.instance.pk, None)
                    continue
            elif not (kept and row.has_changed()):
                continue
            member = row.cleaned_data.get("member")
            if member is not None:
                key = row.instance.pk if row in people.initial_forms else ("new", index)
                rows[key] = (row.cleaned_data["position"], index, member.pk)
    return [member_id for _position, _index, member_id in sorted(rows.values())]


class RingGroupAdminForm(forms.ModelForm[RingGroup]):
    """The admin's edit of a group is checked as the group's page checks it
    (``hold_and_check_ring_group``), its people as the inline leaves them: the people of
    its owner only, a number free and in the right format, kept while calls are routed to
    it, an out-of-hours number that stays until the admin's save commits (its change
    view is one transaction, and the check locks it), and no group made again that was
    removed meanwhile."""

    class Meta:
        model = RingGroup
        fields = "__all__"  # noqa: DJ007 (the admin shows every field)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is not None:
            owner = self.instance.owner  # read-only once made (OWNER_FIELDS)
        else:
            owner = cleaned.get("company") or cleaned.get("space")
            if cleaned.get("company") and cleaned.get("space"):
                return cleaned  # the one-owner rule's error is shown
        if self.errors or owner is None:
            return cleaned  # the fields' own errors are shown
        member_ids = people_after_save(self)
        if member_ids is None:
            return cleaned  # the inline's own errors are shown
        data = RingGroupInput(
            name=cleaned["name"],
            number=cleaned["number"],
            strategy=cleaned["strategy"],
            targets=cleaned["targets"],
            ring_seconds=cleaned["ring_seconds"],
            member_ids=member_ids,
            in_hours_only=cleaned["in_hours_only"],
            out_of_hours_number=cleaned["out_of_hours_number"],
        )
        group = self.instance if self.instance.pk is not None else None
        try:
            checked = hold_and_check_ring_group(owner, data, group, seen_by=None)
        except OfficinaError as refusal:
            field = str(refusal.details.get("field", ""))
            self.add_error(field if field in self.fields else None, str(refusal.message))
            return cleaned
        # As checked (the name on one line, the numbers without spaces): the form sets
        # these on the group again before the admin saves it.
        cleaned["name"] = checked.name
        cleaned["number"] = checked.number
        cleaned["out_of_hours_number"] = checked.out_of_hours_number
        return cleaned


@admin.register(RingGroup)
class RingGroupAdmin(admin.ModelAdmin[RingGroup]):
    form = RingGroupAdminForm
    list_display = ("number", "name", "company", "space", "strategy", "targets")
    list_filter = ("strategy", "targets")
    raw_id_fields = ("company", "space")
    inlines = (RingGroupMemberInline,)
    actions = ("delete_unless_routed_to",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: RingGroup | None = None
    ) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), *(OWNER_FIELDS if obj else ()))

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
