"""The owners' form for a menu: its settings, its greeting, and where each key goes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.ringgroups.kinds import NUMBER_MAX_DIGITS

from .actions import MenuInput
from .kinds import (
    GREETING_TEXT_MAX,
    KEYS,
    NAME_MAX_LENGTH,
    TIMEOUT_SECONDS_DEFAULT,
    TIMEOUT_SECONDS_MAX,
    TIMEOUT_SECONDS_MIN,
    OptionKind,
)
from .prompts import Language

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .models import Menu


class MenuForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    number = forms.CharField(
        label=_("Number"),
        max_length=NUMBER_MAX_DIGITS,
        help_text=_("Dialled like an extension, e.g. 500."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    greeting_text = forms.CharField(
        label=_("Greeting, typed"),
        max_length=GREETING_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Spoken in the menu's language, e.g. “Welcome. Press 1 for sales, 2 for support.”"
        ),
    )
    greeting_audio = forms.FileField(
        label=_("or a recording (WAV or MP3)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "audio/wav,audio/x-wav,audio/mpeg"}),
    )
    timeout_seconds = forms.IntegerField(
        label=_("Wait for a key (seconds)"),
        min_value=TIMEOUT_SECONDS_MIN,
        max_value=TIMEOUT_SECONDS_MAX,
        initial=TIMEOUT_SECONDS_DEFAULT,
        help_text=_("Then the caller hears the greeting again (three times at most)."),
    )
    out_of_hours_number = forms.CharField(
        label=_("Out of business hours, this menu answers instead"),
        max_length=NUMBER_MAX_DIGITS,
        required=False,
        help_text=_("The number of another of your menus; empty: this one at any hour."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in KEYS:
            self.fields[f"option_{key}"] = forms.ChoiceField(
                label=_("Key %(key)s goes to") % {"key": key},
                choices=[("", _("nothing")), *OptionKind.choices],
                required=False,
            )
            self.fields[f"target_{key}"] = forms.CharField(
                label=_("Number for key %(key)s") % {"key": key},
                max_length=NUMBER_MAX_DIGITS,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )

    def settings_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "name",
                "number",
                "language",
                "greeting_text",
                "greeting_audio",
                "timeout_seconds",
                "out_of_hours_number",
            )
        ]

    def key_rows(self) -> Iterator[tuple[str, forms.BoundField, forms.BoundField]]:
        for key in KEYS:
            yield key, self[f"option_{key}"], self[f"target_{key}"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in KEYS:
            if data.get(f"option_{key}") and not (data.get(f"target_{key}") or "").strip():
                self.add_error(
                    f"option_{key}", _("Give the number key %(key)s goes to.") % {"key": key}
                )
        return data

    @staticmethod
    def initial_of(menu: Menu) -> dict[str, object]:
        initial: dict[str, object] = {
            "name": menu.name,
            "number": menu.number,
            "language": menu.language,
            "greeting_text": menu.greeting_text,
            "timeout_seconds": menu.timeout_seconds,
            "out_of_hours_number": menu.out_of_hours_number,
        }
        for option in menu.options.all():
            initial[f"option_{option.key}"] = option.kind
            initial[f"target_{option.key}"] = option.number
        return initial

    def menu_input(self) -> MenuInput:
        data = self.cleaned_data
        return MenuInput(
            name=data["name"],
            number=data["number"],
            language=data["language"],
            greeting_text=data["greeting_text"],
            timeout_seconds=data["timeout_seconds"],
            out_of_hours_number=data["out_of_hours_number"],
            options={
                key: (data[f"option_{key}"], data[f"target_{key}"].strip())
                for key in KEYS
                if data.get(f"option_{key}")
            },
        )
