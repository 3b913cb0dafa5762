"""Forms of the booking pages. Dates and clock times are the space's wall-clock times;
the views turn them into instants (local_times.py), refusing DST gaps and folds."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import companies_directory

from .kinds import (
    FURTHEST_AHEAD_DAYS,
    LONGEST_BOOKING_MINUTES,
    WEEKDAYS,
    Amenity,
    Frequency,
    ResourceKind,
)
from .local_times import EARLIEST_DAY, LATEST_DAY
from .models import Resource

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
LENGTHS = [(15, "15 min"), (30, "30 min"), (45, "45 min")] + [
    (minutes, f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else ""))
    for minutes in range(60, 8 * 60 + 1, 30)
]


def day_field(label: Any = None) -> forms.DateField:
    return forms.DateField(
        label=label or _("Day"),
        widget=DATE_INPUT,
        validators=[MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)],
    )


# What "repeat" offers: a frequency and every how many weeks or months.
REPEATS = {
    "weekly": (Frequency.WEEKLY, 1),
    "fortnightly": (Frequency.WEEKLY, 2),
    "monthly": (Frequency.MONTHLY, 1),
}


class DaysAndTimesForm(forms.Form):
    """A day and two clock times; a desk also from one day to a later one (``last_day``:
    from the first day's start to the last day's end)."""

    day = day_field()
    last_day = forms.DateField(
        label=_("To the day"),
        widget=DATE_INPUT,
        required=False,
        validators=[MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)],
        help_text=_(
            "To book the desk for several days in a row: from the first day's start to "
            "this day's end. Empty: one day."
        ),
    )
    starts = forms.TimeField(label=_("From"), widget=TIME_INPUT)
    ends = forms.TimeField(label=_("To"), widget=TIME_INPUT)

    def __init__(self, *args: Any, several_days: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not several_days:  # only a desk is booked over several days
            del self.fields["last_day"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot come before the first."))
        return data

    def ends_on(self) -> date:
        """The day the booking ends on: the first one unless a later one is given."""
        last: date | None = self.cleaned_data.get("last_day")
        first: date = self.cleaned_data["day"]
        return last or first


class BookingForm(DaysAndTimesForm):
    """Book a day's times (a desk's over several days), or a series."""

    title = forms.CharField(label=_("What for (optional)"), max_length=120, required=False)
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        choices=[
            ("", _("does not repeat")),
            ("weekly", _("every week")),
            ("fortnightly", _("every two weeks")),
            ("monthly", _("every month, on the same day")),
        ],
        required=False,
    )
    until = forms.DateField(
        label=_("Until"),
        widget=DATE_INPUT,
        required=False,
        validators=[MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)],
        help_text=_("The last day of the series (included)."),
    )
    skip = forms.CharField(
        label=_("Except on"),
        required=False,
        max_length=1000,
        help_text=_("Days to leave out, as YYYY-MM-DD, separated by commas."),
    )

    def clean_skip(self) -> list[date]:
        days = []
        for text in re.split(r"[,;\s]+", self.cleaned_data["skip"].strip()):
            if not text:
                continue
            try:
                days.append(date.fromisoformat(text))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(text)s” is not a day written as YYYY-MM-DD."), params={"text": text}
                ) from None
        return days

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("repeat") and not data.get("until") and "until" not in self.errors:
            self.add_error("until", _("Choose the last day of the series."))
        first, last = data.get("day"), data.get("last_day")
        if first and last and last > first and data.get("repeat"):
            self.add_error(
                "last_day", _("Book several days in a row or a repeating series, not both.")
            )
        return data


class DayForm(forms.Form):
    day = day_field()


class SeriesCancelForm(forms.Form):
    from_day = day_field(_("From the day"))


class SeriesMoveForm(forms.Form):
    from_day = day_field(_("From the day"))
    starts = forms.TimeField(label=_("From"), widget=TIME_INPUT)
    ends = forms.TimeField(label=_("To"), widget=TIME_INPUT)


class MoveForm(DaysAndTimesForm):
    """Other times for a booking (a desk's over several days)."""


class FindSlotForm(forms.Form):
    day = day_field()
    earliest = forms.TimeField(label=_("Between"), widget=TIME_INPUT, initial=time(9, 0))
    latest = forms.TimeField(label=_("and"), widget=TIME_INPUT, initial=time(18, 0))
    minutes = forms.TypedChoiceField(label=_("For"), choices=LENGTHS, coerce=int, initial=60)
    people = forms.IntegerField(label=_("People"), min_value=1, max_value=500, initial=1)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("any")), *ResourceKind.choices], required=False
    )
    amenities = forms.MultipleChoiceField(
        label=_("With"),
        choices=Amenity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("earliest") and data.get("latest") and data["latest"] <= data["earliest"]:
            self.add_error("latest", _("The end of the window must come after its start."))
        return data


class ResourceForm(forms.Form):
    """A resource, its rules and its opening hours (one pair of times per weekday)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=500, initial=1)
    amenities = forms.MultipleChoiceField(
        label=_("Amenities"),
        choices=Amenity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_minutes = forms.IntegerField(
        label=_("Longest booking (minutes)"),
        min_value=15,
        max_value=LONGEST_BOOKING_MINUTES,
        initial=240,
    )
    max_days_ahead = forms.IntegerField(
        label=_("Bookable how many days ahead"),
        min_value=1,
        max_value=FURTHEST_AHEAD_DAYS,
        initial=60,
    )
    min_notice_minutes = forms.IntegerField(
        label=_("Minimum notice (minutes)"), min_value=0, max_value=7 * 24 * 60, initial=0
    )
    buffer_minutes = forms.IntegerField(
        label=_("Buffer between bookings (minutes)"), min_value=0, max_value=240, initial=0
    )
    approval_required = forms.BooleanField(
        label=_("A manager approves each booking"), required=False
    )
    price_per_hour = forms.DecimalField(
        label=_("Price per hour (EUR)"), max_digits=8, decimal_places=2, required=False, min_value=0
    )
    credits_per_hour = forms.DecimalField(
        label=_("Credits per hour"), max_digits=6, decimal_places=2, required=False, min_value=0
    )
    is_active = forms.BooleanField(label=_("Bookable"), required=False, initial=True)
    only_companies = forms.ModelMultipleChoiceField(
        label=_("Only for people of these companies"),
        queryset=companies_directory(),
        required=False,
        help_text=_("None selected: every member of the space may book it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday, label in WEEKDAYS:
            self.fields[f"opens_{weekday}"] = forms.TimeField(
                label=label, widget=TIME_INPUT, required=False
            )
            self.fields[f"closes_{weekday}"] = forms.TimeField(
                label=_("closes"), widget=TIME_INPUT, required=False
            )

    def weekly_hours(self) -> dict[int, tuple[time, time]]:
        """Weekdays with both times given; a weekday left empty is closed."""
        hours: dict[int, tuple[time, time]] = {}
        for weekday, _label in WEEKDAYS:
            opens = self.cleaned_data.get(f"opens_{weekday}")
            closes = self.cleaned_data.get(f"closes_{weekday}")
            if opens and closes:
                hours[weekday] = (opens, closes)
        return hours

    def resource_fields(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not name.startswith(("opens_", "closes_")) and name != "only_companies"
        }

    @classmethod
    def initial_for(cls, resource: Resource) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(resource, name) for name in cls.base_fields if name != "only_companies"
        }
        initial["only_companies"] = list(resource.only_companies.all())
        for hours in resource.hours.all():
            initial[f"opens_{hours.weekday}"] = hours.opens
            initial[f"closes_{hours.weekday}"] = hours.closes
        return initial


class DeskReleaseForm(forms.Form):
    unclaimed_by = forms.TimeField(
        label=_("Release booked desks not claimed by"),
        required=False,
        widget=TIME_INPUT,
        help_text=_(
            "Local time of the space. A desk booked for the day that its member has not "
            "taken by checking in by then is given back, and the member told. Empty: "
            "booked desks are kept all day."
        ),
    )


class GuestsForm(forms.Form):
    guests = forms.CharField(
        label=_("Invite by e-mail"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Anna Bianchi <anna@example.com>"}),
        max_length=5000,
        help_text=_(
            "One address a line, members of the community or anyone else; each gets an "
            "invitation for their calendar, updated if the booking moves."
        ),
    )

    def lines(self) -> list[str]:
        return str(self.cleaned_data["guests"]).splitlines()


class ResourcePhotoForm(forms.Form):
    """A photo to add; its bytes are checked by ``actions.check_add_resource_photo``."""

    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(
        label=_("Caption"),
        max_length=200,
        required=False,
        help_text=_(
            "What the photo shows, for people who cannot see it; empty: the resource's name."
        ),
    )
