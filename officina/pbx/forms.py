"""Forms of the PBX's pages: where a member's calls are forwarded, and the filters of a
company's call history."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.pbx.actions import ForwardingInput
from officina.pbx.company_calls import CallFilters
from officina.pbx.models import MAX_NO_ANSWER_SECONDS, MIN_NO_ANSWER_SECONDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from officina.pbx.models import Forwarding

_TARGET_HELP = _(
    "An extension, a ring group, a menu, a conference room or a telephone number; empty: "
    "not forwarded."
)


def _target(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=32,
        required=False,
        help_text=_TARGET_HELP,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class ForwardingForm(forms.Form):
    always = _target(_("Forward every call to"))
    busy = _target(_("When I am busy, forward to"))
    no_answer = _target(_("When I do not answer, forward to"))
    no_answer_seconds = forms.IntegerField(
        label=_("Seconds my phones ring before that"),
        min_value=MIN_NO_ANSWER_SECONDS,
        max_value=MAX_NO_ANSWER_SECONDS,
        initial=20,
    )
    unregistered = _target(_("When none of my phones is connected, forward to"))
    follow_me = _target(_("Follow me: after my phones have rung a while, ring also"))
    follow_me_seconds = forms.IntegerField(
        label=_("Seconds before that number rings too"),
        min_value=MIN_NO_ANSWER_SECONDS,
        max_value=MAX_NO_ANSWER_SECONDS,
        initial=15,
    )

    @staticmethod
    def initial_of(forwarding: Forwarding | None) -> dict[str, object] | None:
        if forwarding is None:
            return None
        return asdict(ForwardingInput.of(forwarding))

    def forwarding_input(self) -> ForwardingInput:
        data = self.cleaned_data
        return ForwardingInput(
            always=data["always"],
            busy=data["busy"],
            no_answer=data["no_answer"],
            no_answer_seconds=data["no_answer_seconds"],
            unregistered=data["unregistered"],
            follow_me=data["follow_me"],
            follow_me_seconds=data["follow_me_seconds"],
        )


class CompanyCallsFilterForm(forms.Form):
    since = forms.DateField(
        label=_("First day"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(
        label=_("Last day"), required=False, widget=forms.DateInput({"type": "date"})
    )
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[
            ("", _("all calls")),
            ("in", _("in")),
            ("out", _("out")),
            ("internal", _("internal")),
        ],
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("everyone")), *people]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day comes before the first."))
        return cleaned

    def filters(self) -> CallFilters:
        data = self.cleaned_data
        return CallFilters(
            since=data.get("since"),
            until=data.get("until"),
            person_id=data.get("person"),
            direction=data.get("direction") or "",
        )


class HoldMusicForm(forms.Form):
    audio = forms.FileField(
        label=_("Music (WAV or MP3, up to 10 MB and ten minutes)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "audio/wav,audio/x-wav,audio/mpeg,.wav,.mp3"}
        ),
    )
