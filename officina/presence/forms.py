from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.accounts.kinds import JoinPolicy


class CheckInForm(forms.Form):
    until = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Local time of the space; empty means until the end of the day."),
    )
    note = forms.CharField(
        label=_("What are you working on?"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the Rossi website")}),
    )
    # Offered only to a member with a desk booked at the space today (its name in the
    # label): ticked, the check-in takes the desk too.
    claim_desk = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, desk: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if desk:
            self.fields["claim_desk"].label = _("Take my desk, %(desk)s") % {"desk": desk}
        else:
            del self.fields["claim_desk"]


class EnableKioskForm(forms.Form):
    name = forms.CharField(
        label=_("Name of this device"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Entrance tablet")}),
    )


class SpaceRoleForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=[("member", _("member")), ("manager", _("manager"))]
    )


class SpaceDetailsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=80, required=False)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial="Europe/Rome",
        help_text=_("An IANA name such as Europe/Rome."),
    )
    capacity = forms.IntegerField(label=_("Capacity"), required=False, min_value=1)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    join_policy = forms.ChoiceField(
        label=_("Who may join"),
        choices=JoinPolicy.choices,
        required=False,  # a new space then takes its kind's default, an edit keeps its own
        help_text=_("Members of a space see who is there: choose who becomes one."),
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("A word for the managers (optional)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. I rent a desk from March")}),
    )


class NewSpaceForm(SpaceDetailsForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("physical", _("physical")), ("remote", _("remote"))]
    )
    field_order = [
        "name",
        "kind",
        "join_policy",
        "address",
        "city",
        "time_zone",
        "capacity",
        "description",
    ]
