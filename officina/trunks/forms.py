"""The forms of a company's owners and a space's managers: a trunk (its password never
shown back), a number, and what one of a company's people may call out to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import NumberInput, PermissionInput, TrunkInput
from .kinds import (
    DAILY_MINUTES_DEFAULT,
    DAILY_MINUTES_MAX,
    FORWARD_KINDS,
    FORWARD_SECONDS_DEFAULT,
    FORWARD_SECONDS_MAX,
    FORWARD_SECONDS_MIN,
    NAME_MAX_LENGTH,
    REGISTER_SECONDS_DEFAULT,
    REGISTER_SECONDS_MAX,
    REGISTER_SECONDS_MIN,
    CallClass,
    CallerIdHeader,
    NumberForward,
    RouteKind,
    TrunkMode,
)

if TYPE_CHECKING:
    from .models import OutboundPermission, PhoneNumber, Trunk


class TrunkForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    mode = forms.ChoiceField(label=_("How the provider knows us"), choices=TrunkMode.choices)
    host = forms.CharField(
        label=_("Provider's server"), max_length=255, help_text=_("e.g. sip.provider.it")
    )
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=5060)
    username = forms.CharField(label=_("User name"), max_length=128, required=False)
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    register_seconds = forms.IntegerField(
        label=_("Registration lasts (seconds)"),
        min_value=REGISTER_SECONDS_MIN,
        max_value=REGISTER_SECONDS_MAX,
        initial=REGISTER_SECONDS_DEFAULT,
    )
    peer_addresses = forms.CharField(
        label=_("Provider's addresses"),
        max_length=600,
        required=False,
        help_text=_("The IP addresses its calls come from, separated by commas."),
    )
    caller_id_header = forms.ChoiceField(
        label=_("Caller ID sent in"), choices=CallerIdHeader.choices
    )
    country = forms.CharField(
        label=_("Country"), max_length=2, initial="IT", help_text=_("Two letters, e.g. IT.")
    )
    members_call_out = forms.BooleanField(
        label=_("Members may call out through it"),
        required=False,
        help_text=_(
            "Members of the space whose company has no trunk call out with the space's "
            "number, national and mobile numbers only, 60 minutes a day."
        ),
    )

    def __init__(
        self, *args: Any, has_password: bool = False, for_space: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not for_space:
            del self.fields["members_call_out"]
        self.fields["password"].help_text = (
            _("A password is set; leave this empty to keep it.")
            if has_password
            else _("The one the provider gave you; it is never shown again.")
        )

    def trunk_input(self) -> TrunkInput:
        data = self.cleaned_data
        return TrunkInput(
            name=data["name"], host=data["host"], mode=data["mode"], port=data["port"],
            username=data["username"], password=data["password"],
            register_seconds=data["register_seconds"], peer_addresses=data["peer_addresses"],
            caller_id_header=data["caller_id_header"], country=data["country"],
            members_call_out=data.get("members_call_out", False),
        )  # fmt: skip

    @staticmethod
    def initial_of(trunk: Trunk) -> dict[str, object]:
        # Never the password.
        return {
            name: getattr(trunk, name)
            for name in (
                "name", "mode", "host", "port", "username", "register_seconds",
                "peer_addresses", "caller_id_header", "country", "members_call_out",
            )
        }  # fmt: skip


class NumberForm(forms.Form):
    number = forms.CharField(
        label=_("Number"), max_length=24, help_text=_("As the provider sold it, e.g. 02 8765 4321.")
    )
    trunk = forms.TypedChoiceField(label=_("Trunk"), coerce=int)
    route_kind = forms.ChoiceField(label=_("Calls go to"), choices=RouteKind.choices)
    route_target = forms.CharField(
        label=_("Extension, ring group or menu"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    after_hours_kind = forms.ChoiceField(
        label=_("Out of business hours, calls go to"),
        choices=[("", _("the same place")), *RouteKind.choices],
        required=False,
    )
    after_hours_target = forms.CharField(
        label=_("Out of hours: extension, ring group or menu"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    presented = forms.BooleanField(
        label=_("Show this number on calls out"),
        required=False,
        help_text=_("Your people's calls through the trunk show it as the caller's number."),
    )
    forward_when = forms.ChoiceField(
        label=_("Forward this number's calls"), choices=NumberForward.choices, required=False,
        help_text=_(
            "Always: instead of where the number rings, in and out of business hours. When not "
            "answered: after it has rung there for the seconds below."
        ),
    )  # fmt: skip
    forward_seconds = forms.IntegerField(
        label=_("Forward when not answered after (seconds)"),
        min_value=FORWARD_SECONDS_MIN, max_value=FORWARD_SECONDS_MAX,
        initial=FORWARD_SECONDS_DEFAULT, required=False,
    )  # fmt: skip
    forward_kind = forms.ChoiceField(
        label=_("Forward to"), choices=[("", "---------"), *FORWARD_KINDS], required=False
    )
    forward_target = forms.CharField(
        label=_("Forward to: extension, ring group, menu or number"), max_length=24, required=False,
        help_text=_("A number outside goes through this trunk: national numbers and mobiles only."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip

    def __init__(self, *args: Any, trunks: list[Trunk], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trunk"].choices = [(trunk.pk, trunk.name) for trunk in trunks]  # type: ignore[attr-defined]

    def number_input(self) -> NumberInput:
        data = self.cleaned_data
        return NumberInput(
            number=data["number"], trunk_id=data["trunk"], route_kind=data["route_kind"],
            route_target=data["route_target"], after_hours_kind=data["after_hours_kind"],
            after_hours_target=data["after_hours_target"], presented=data["presented"],
            forward_when=data["forward_when"],
            forward_seconds=data["forward_seconds"] or FORWARD_SECONDS_DEFAULT,
            forward_kind=data["forward_kind"], forward_target=data["forward_target"],
        )  # fmt: skip

    @staticmethod
    def initial_of(number: PhoneNumber) -> dict[str, object]:
        return {
            "number": number.e164, "trunk": number.trunk_id, "route_kind": number.route_kind,
            "route_target": number.route_target, "after_hours_kind": number.after_hours_kind,
            "after_hours_target": number.after_hours_target, "presented": number.presented,
            "forward_when": number.forward_when, "forward_seconds": number.forward_seconds,
            "forward_kind": number.forward_kind, "forward_target": number.forward_target,
        }  # fmt: skip


class PermissionForm(forms.Form):
    national = forms.BooleanField(label=CallClass.NATIONAL.label, required=False)
    mobile = forms.BooleanField(label=CallClass.MOBILE.label, required=False)
    international = forms.BooleanField(label=CallClass.INTERNATIONAL.label, required=False)
    premium = forms.BooleanField(label=CallClass.PREMIUM.label, required=False)
    satellite = forms.BooleanField(label=CallClass.SATELLITE.label, required=False)
    daily_minutes = forms.IntegerField(
        label=_("Minutes a day"), min_value=0, max_value=DAILY_MINUTES_MAX
    )

    def permission_input(self) -> PermissionInput:
        data = self.cleaned_data
        return PermissionInput(
            national=data["national"], mobile=data["mobile"],
            international=data["international"], premium=data["premium"],
            satellite=data["satellite"], daily_minutes=data["daily_minutes"],
        )  # fmt: skip

    @staticmethod
    def initial_of(permission: OutboundPermission | None) -> dict[str, object]:
        if permission is None:
            return {
                "national": True, "mobile": True, "international": False, "premium": False,
                "satellite": False, "daily_minutes": DAILY_MINUTES_DEFAULT,
            }  # fmt: skip
        return {
            name: getattr(permission, name)
            for name in (
                "national",
                "mobile",
                "international",
                "premium",
                "satellite",
                "daily_minutes",
            )
        }
