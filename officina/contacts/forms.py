"""Forms of the address book pages. They collect text; the actions check it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.accounts.kinds import RelationKind
from officina.accounts.selectors import companies_directory

from .actions import ContactInput
from .kinds import (
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    NUMBER_SEPARATOR,
    ORGANISATION_MAX_LENGTH,
    NumberLabel,
)
from .models import Contact

PHONE_INPUT = forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"})


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    organisation = forms.CharField(
        label=_("Organisation"), max_length=ORGANISATION_MAX_LENGTH, required=False
    )
    relation = forms.ChoiceField(label=_("Relation"), choices=RelationKind.choices)
    linked_company = forms.ChoiceField(
        label=_("Company on Officina"),
        required=False,
        help_text=_("Calls from its people are then recognised as this relation."),
    )
    email = forms.CharField(label=_("E-mail address"), max_length=254, required=False)
    work_phone = forms.CharField(
        label=_("Work phone"), max_length=120, required=False, widget=PHONE_INPUT
    )
    mobile_phone = forms.CharField(
        label=_("Mobile"), max_length=120, required=False, widget=PHONE_INPUT
    )
    home_phone = forms.CharField(
        label=_("Home phone"), max_length=120, required=False, widget=PHONE_INPUT
    )
    other_phone = forms.CharField(
        label=_("Other phone"), max_length=120, required=False, widget=PHONE_INPUT
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, owner_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["linked_company"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("none")),
            *(
                (company.slug, company.name)
                for company in companies_directory()
                if company.pk != owner_id
            ),
        ]

    @staticmethod
    def initial_of(contact: Contact) -> dict[str, str]:
        initial = {
            "name": contact.name,
            "organisation": contact.organisation,
            "relation": contact.relation,
            "linked_company": contact.linked_company.slug if contact.linked_company else "",
            "email": contact.email,
            "notes": contact.notes,
        }
        for number in contact.numbers.all():
            key = f"{number.label}_phone"
            # Several numbers of one kind share a field, as they share a CSV cell.
            initial[key] = (
                f"{initial[key]} {NUMBER_SEPARATOR} {number.number}"
                if key in initial
                else number.number
            )
        return initial

    def contact_input(self) -> ContactInput:
        data = self.cleaned_data
        return ContactInput(
            name=data["name"],
            relation=data["relation"],
            organisation=data["organisation"],
            linked_company=data["linked_company"],
            email=data["email"],
            notes=data["notes"],
            numbers=[
                (label, number)
                for label in NumberLabel.values
                for number in data[f"{label}_phone"].split(NUMBER_SEPARATOR)
            ],
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or vCard file"),
        help_text=_(
            "CSV columns: name, organisation, relation, email, work_phone, mobile_phone, "
            "home_phone, other_phone, company_on_officina, notes."
        ),
    )
    relation = forms.ChoiceField(
        label=_("Relation of rows that name none"), choices=RelationKind.choices
    )
