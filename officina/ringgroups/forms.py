"""The ring group form: the group's settings, and a place in the ringing order for each
person of the company (empty: not in the group)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import RingGroupInput
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

    from .models import RingGroup


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
        return [self[name] for name in ("name", "number", "strategy", "targets", "ring_seconds")]

    @staticmethod
    def initial_of(group: RingGroup) -> dict[str, object]:
        initial: dict[str, object] = {
            "name": group.name,
            "number": group.number,
            "strategy": group.strategy,
            "targets": group.targets,
            "ring_seconds": group.ring_seconds,
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
        )
