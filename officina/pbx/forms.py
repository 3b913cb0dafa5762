"""The member's form for where their calls are forwarded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.pbx.actions import ForwardingInput
from officina.pbx.models import MAX_NO_ANSWER_SECONDS, MIN_NO_ANSWER_SECONDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from officina.pbx.models import Forwarding

_TARGET_HELP = _("An extension, a ring group or a telephone number; empty: not forwarded.")


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
        return {
            "always": forwarding.always,
            "busy": forwarding.busy,
            "no_answer": forwarding.no_answer,
            "no_answer_seconds": forwarding.no_answer_seconds,
            "unregistered": forwarding.unregistered,
            "follow_me": forwarding.follow_me,
            "follow_me_seconds": forwarding.follow_me_seconds,
        }

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
