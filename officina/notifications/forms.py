from django import forms
from django.utils.translation import gettext_lazy as _

from officina.notifications.kinds import DigestFrequency


class DigestPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mail digest of unread notifications"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
    )
