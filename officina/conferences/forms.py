from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.ringgroups.kinds import NUMBER_MAX_DIGITS
from officina.voicemail.kinds import Language

from .actions import RoomInput
from .kinds import NAME_MAX_LENGTH


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    number = forms.CharField(
        label=_("Number"),
        max_length=NUMBER_MAX_DIGITS,
        help_text=_("Dialled like an extension, e.g. 800."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=8,
        required=False,
        help_text=_("4 to 8 digits callers type to join; empty: anyone of the community."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language of its prompts"), choices=Language.choices)

    def room_input(self) -> RoomInput:
        data = self.cleaned_data
        return RoomInput(data["name"], data["number"], data["pin"], data["language"])
