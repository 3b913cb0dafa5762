from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import GREETING_TEXT_MAX, RING_SECONDS_MAX, RING_SECONDS_MIN, Language


class BoxForm(forms.Form):
    enabled = forms.BooleanField(label=_("Take calls I do not answer"), required=False)
    ring_seconds = forms.IntegerField(
        label=_("Ring my phones for (seconds)"),
        min_value=RING_SECONDS_MIN,
        max_value=RING_SECONDS_MAX,
    )
    email_messages = forms.BooleanField(label=_("E-mail me each message"), required=False)


class SpokenGreetingForm(forms.Form):
    text = forms.CharField(
        label=_("Words of your greeting"),
        max_length=GREETING_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(label=_("Spoken in"), choices=Language.choices)


class UploadedGreetingForm(forms.Form):
    audio = forms.FileField(
        label=_("A recording (WAV or MP3, up to 5 MB, one minute)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "audio/wav,audio/x-wav,audio/mpeg,.wav,.mp3"}
        ),
    )


class PinForm(forms.Form):
    pin = forms.CharField(
        label=_("PIN for listening from another phone (4 to 8 digits; empty removes it)"),
        required=False,
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )
