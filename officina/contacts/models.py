"""A company's address book: the people at its clients, suppliers and partners.

Each contact belongs to one company of Officina (its owner, whose admins keep
the book); it may be linked to another company that is a member of Officina
(``linked_company``), so that a call from anyone of that company is recognised.
Numbers are stored in E.164 form and are unique within one owner's book: a
number names one contact when a call comes in.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from officina.accounts.kinds import RelationKind

from .kinds import (
    E164_MAX_LENGTH,
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    ORGANISATION_MAX_LENGTH,
    NumberLabel,
)


class Contact(models.Model):
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    organisation = models.CharField(
        _("organisation"), max_length=ORGANISATION_MAX_LENGTH, blank=True
    )
    relation = models.CharField(_("relation"), max_length=10, choices=RelationKind.choices)
    linked_company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company on Officina"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    notes = models.TextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ("name", "id")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=("company", "name"), name="contact_company_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation_name(self) -> str:
        """The organisation as typed, else the linked company's name."""
        if self.organisation:
            return self.organisation
        return self.linked_company.name if self.linked_company_id else ""  # type: ignore[union-attr]


class ContactNumber(models.Model):
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="numbers"
    )
    # The owner company again, so that the database keeps one contact per number per book.
    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    number = models.CharField(_("number"), max_length=E164_MAX_LENGTH)
    label = models.CharField(
        _("label"), max_length=10, choices=NumberLabel.choices, default=NumberLabel.WORK
    )

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ("contact", "id")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=("company", "number"), name="contact_number_once_per_book"
            ),
        ]

    def __str__(self) -> str:
        return self.number
