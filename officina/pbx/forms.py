"""Forms of the PBX's pages: the filters of a company's call history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.pbx.company_calls import CallFilters


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
