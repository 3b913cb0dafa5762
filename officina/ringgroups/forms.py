"""The ring group form: the group's settings, and a place in the ringing order for each
person of the company or member of the space (empty: not in the group)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import BusinessHoursInput, RingGroupInput
from .kinds import (
    NAME_MAX_LENGTH,
    NUMBER_MAX_DIGITS,
    RING_SECONDS_DEFAULT,
    RING_SECONDS_MAX,
    RING_SECONDS_MIN,
    RingStrategy,
    RingTargets,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member

    from .models import BusinessHours, RingGroup


class RingGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    number = forms.CharField(
        label=_("Number"),
        max_length=NUMBER_MAX_DIGITS,
        help_text=_("Dialled like an extension, e.g. 600."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    strategy = forms.ChoiceField(label=_("How it rings"), choices=RingStrategy.choices)
    targets = forms.ChoiceField(label=_("Whom it rings"), choices=RingTargets.choices)
    ring_seconds = forms.IntegerField(
        label=_("Seconds each person rings"),
        min_value=RING_SECONDS_MIN,
        max_value=RING_SECONDS_MAX,
        initial=RING_SECONDS_DEFAULT,
        help_text=_("When everyone rings at once: how long they ring."),
    )

    in_hours_only = forms.BooleanField(
        label=_("Only in business hours"),
        required=False,
        help_text=_("Out of business hours its calls go elsewhere."),
    )
    out_of_hours_number = forms.CharField(
        label=_("Out of hours, calls go to"),
        max_length=NUMBER_MAX_DIGITS,
        required=False,
        help_text=_("An extension or another ring group's number; empty: nobody answers."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, people: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        for person in people:
            self.fields[f"place_{person.pk}"] = forms.IntegerField(
                label=person.display_name,
                required=False,
                min_value=1,
                max_value=99,
                widget=forms.NumberInput(attrs={"class": "place"}),
            )

    def place_fields(self) -> list[forms.BoundField]:
        return [self[f"place_{person.pk}"] for person in self.people]

    def settings_fields(self) -> list[forms.BoundField]:
        names = ("name", "number", "strategy", "targets", "ring_seconds")
        return [self[name] for name in (*names, "in_hours_only", "out_of_hours_number")]

    @staticmethod
    def initial_of(group: RingGroup) -> dict[str, object]:
        initial: dict[str, object] = {
            "name": group.name,
            "number": group.number,
            "strategy": group.strategy,
            "targets": group.targets,
            "ring_seconds": group.ring_seconds,
            "in_hours_only": group.in_hours_only,
            "out_of_hours_number": group.out_of_hours_number,
        }
        for place in group.members.all():
            initial[f"place_{place.member_id}"] = place.position
        return initial

    def ring_group_input(self) -> RingGroupInput:
        data = self.cleaned_data
        placed = sorted(
            (data[f"place_{person.pk}"], index, person.pk)
            for index, person in enumerate(self.people)
            if data.get(f"place_{person.pk}") is not None
        )
        return RingGroupInput(
            name=data["name"],
            number=data["number"],
            strategy=data["strategy"],
            targets=data["targets"],
            ring_seconds=data["ring_seconds"],
            member_ids=[member_id for _place, _index, member_id in placed],
            in_hours_only=data["in_hours_only"],
            out_of_hours_number=data["out_of_hours_number"],
        )


TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


class BusinessHoursForm(forms.Form):
    """The time zone, holidays, and two periods a day (a break between them)."""

    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Rome")
    italian_holidays = forms.BooleanField(
        label=_("Closed on Italian public holidays"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday in range(7):
            for part in ("opens_1", "closes_1", "opens_2", "closes_2"):
                self.fields[f"{part}_{weekday}"] = forms.TimeField(
                    required=False, widget=TIME_INPUT, label=part
                )

    def days(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (
                f"day_{weekday}",
                str(WEEKDAY_NAMES[weekday]),
                [
                    self[f"{part}_{weekday}"]
                    for part in ("opens_1", "closes_1", "opens_2", "closes_2")
                ],
            )
            for weekday in range(7)
        ]

    @staticmethod
    def initial_of(hours: BusinessHours) -> dict[str, object]:
        initial: dict[str, object] = {
            "time_zone": hours.time_zone,
            "italian_holidays": hours.italian_holidays,
        }
        count: dict[int, int] = {}
        for period in hours.periods.all():
            count[period.weekday] = count.get(period.weekday, 0) + 1
            if count[period.weekday] <= 2:
                index = count[period.weekday]
                initial[f"opens_{index}_{period.weekday}"] = period.opens
                initial[f"closes_{index}_{period.weekday}"] = period.closes
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for weekday in range(7):
            for index in (1, 2):
                opens, closes = (
                    data.get(f"opens_{index}_{weekday}"),
                    data.get(f"closes_{index}_{weekday}"),
                )
                if (opens is None) != (closes is None):
                    self.add_error(f"closes_{index}_{weekday}", _("Give both times, or none."))
        return data

    def business_hours_input(self) -> BusinessHoursInput:
        data = self.cleaned_data
        weekly = [
            [
                (data[f"opens_{index}_{weekday}"], data[f"closes_{index}_{weekday}"])
                for index in (1, 2)
                if data.get(f"opens_{index}_{weekday}") is not None
            ]
            for weekday in range(7)
        ]
        return BusinessHoursInput(data["time_zone"].strip(), data["italian_holidays"], weekly)


class HoursExceptionForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    opens = forms.TimeField(label=_("Opens"), required=False, widget=TIME_INPUT)
    closes = forms.TimeField(
        label=_("Closes"),
        required=False,
        widget=TIME_INPUT,
        help_text=_("No times: closed all day."),
    )
    note = forms.CharField(label=_("Note"), max_length=80, required=False)
