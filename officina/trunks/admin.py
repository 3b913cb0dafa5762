from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from officina.core.errors import OfficinaError

from .actions import NumberInput, do_save_number, hold_and_check_number
from .models import OutboundPermission, PhoneNumber, Trunk

# The fields of ``NumberInput`` the admin's number form has under another name.
_FORM_FIELD_OF = {"number": "e164"}


@admin.register(Trunk)
class TrunkAdmin(admin.ModelAdmin[Trunk]):
    list_display = ("name", "company", "space", "mode", "host", "status", "checked_at")
    exclude = ("password",)  # never shown back; set it on the trunk's own page

    def get_readonly_fields(
        self, request: HttpRequest, obj: Trunk | None = None
    ) -> tuple[str, ...]:
        # Its owner is set when it is made and never changed: its numbers route to its
        # owner's extensions, ring groups and menus, and would route, under another owner,
        # to what is not theirs. A number moves to another owner's trunk only through the
        # number's form, which checks its routes against the new owner.
        return (*super().get_readonly_fields(request, obj), *(("company", "space") if obj else ()))


class PhoneNumberAdminForm(forms.ModelForm[PhoneNumber]):
    """The admin's edit of a number is checked as the number's page checks it
    (``hold_and_check_number``): its routes go to an extension, a ring group or a menu of
    the trunk's owner, which stay until the admin's save commits (its change view is one
    transaction, and the check locks them)."""

    class Meta:
        model = PhoneNumber
        fields = "__all__"  # noqa: DJ007 (the admin shows every field)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        trunk = cleaned.get("trunk")
        if trunk is None or self.errors:
            return cleaned  # the fields' own errors are shown first
        data = NumberInput(
            number=cleaned["e164"],
            trunk_id=trunk.pk,
            route_kind=cleaned["route_kind"],
            route_target=cleaned["route_target"],
            after_hours_kind=cleaned["after_hours_kind"],
            after_hours_target=cleaned["after_hours_target"],
            presented=cleaned["presented"],
            forward_when=cleaned["forward_when"],
            forward_seconds=cleaned["forward_seconds"],
            forward_kind=cleaned["forward_kind"],
            forward_target=cleaned["forward_target"],
        )
        try:
            checked = hold_and_check_number(trunk.owner, data, self.instance)
        except OfficinaError as refusal:
            field = str(refusal.details.get("field", ""))
            field = _FORM_FIELD_OF.get(field, field)
            self.add_error(field if field in self.fields else None, str(refusal.message))
            return cleaned
        # As checked (the number in E.164, a forward's target cleared when it is off):
        # the form sets these on the number again before the admin saves it.
        for name in cleaned:
            cleaned[name] = getattr(checked, name)
        return cleaned


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin[PhoneNumber]):
    form = PhoneNumberAdminForm
    list_display = ("e164", "trunk", "route_kind", "route_target")

    def save_model(
        self,
        request: HttpRequest,
        obj: PhoneNumber,
        form: forms.ModelForm[PhoneNumber],
        change: bool,
    ) -> None:
        do_save_number(obj)


@admin.register(OutboundPermission)
class OutboundPermissionAdmin(admin.ModelAdmin[OutboundPermission]):
    list_display = ("member", "company", "international", "premium", "daily_minutes")
