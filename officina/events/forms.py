from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import member_spaces_by_name, spaces_by_name

from .kinds import EventVisibility

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def local_in_space(value: datetime, space: Space) -> datetime:
    """Form times are wall-clock times of the space, whatever the server's zone."""
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return timezone.make_aware(naive, space.zone)


class EventForm(forms.Form):
    space = forms.ModelChoiceField(
        label=_("Space"), queryset=spaces_by_name().none(), to_field_name="slug"
    )
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        input_formats=[LOCAL_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        help_text=_("Local time of the space."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        input_formats=[LOCAL_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, required=False, help_text=_("Empty for no limit.")
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"), choices=EventVisibility.choices, initial=EventVisibility.COMMUNITY
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = member_spaces_by_name(member)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        space = data.get("space")
        if space is not None:
            for name in ("starts_at", "ends_at"):
                if data.get(name):
                    data[name] = local_in_space(data[name], space)
        return data


class RSVPForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("going", _("going")), ("maybe", _("maybe")), ("not_going", _("not going"))]
    )
