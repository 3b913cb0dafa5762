"""Auto-attendant menus: a number of a company or of a space that answers, says a greeting and sends
the caller where the key they press says (a person, a ring group, a voicemail, another
menu)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from officina.ringgroups.kinds import NUMBER_MAX_DIGITS

from .kinds import GREETING_TEXT_MAX, NAME_MAX_LENGTH, TIMEOUT_SECONDS_DEFAULT, OptionKind
from .prompts import Language

if TYPE_CHECKING:
    from officina.accounts.models import Company, Space


class Menu(models.Model):
    # Owned by a company or by a space (exactly one, as the constraint says).
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="attendant_menus",
        null=True,
        blank=True,
    )
    space = models.ForeignKey(
        "accounts.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="attendant_menus",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    number = models.CharField(_("number"), max_length=NUMBER_MAX_DIGITS, unique=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ITALIAN
    )
    # What the greeting says when it was typed (empty when it was uploaded).
    greeting_text = models.CharField(_("greeting text"), max_length=GREETING_TEXT_MAX, blank=True)
    greeting = models.FileField(_("greeting audio"), upload_to="attendant/greetings/")
    timeout_seconds = models.PositiveSmallIntegerField(
        _("wait for a key (seconds)"), default=TIMEOUT_SECONDS_DEFAULT
    )
    # The menu that answers instead while its owner is closed (the business hours of the
    # company or the space, as the ring groups keep them); empty: at any hour.
    out_of_hours_number = models.CharField(
        _("out of hours, the menu"), max_length=NUMBER_MAX_DIGITS, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("auto-attendant menu")
        verbose_name_plural = _("auto-attendant menus")
        ordering = ("number",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=(
                    models.Q(company__isnull=False, space__isnull=True)
                    | models.Q(company__isnull=True, space__isnull=False)
                ),
                name="attendant_menu_of_a_company_or_a_space",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def owner(self) -> Company | Space:
        """The company or the space it belongs to (exactly one, as the constraint says)."""
        owner = self.company if self.company is not None else self.space
        assert owner is not None  # the database's check constraint
        return owner


class MenuOption(models.Model):
    menu = models.ForeignKey(
        Menu, verbose_name=_("menu"), on_delete=models.CASCADE, related_name="options"
    )
    key = models.CharField(_("key"), max_length=1)
    kind = models.CharField(_("goes to"), max_length=16, choices=OptionKind.choices)
    number = models.CharField(_("number"), max_length=NUMBER_MAX_DIGITS)

    class Meta:
        verbose_name = _("menu option")
        verbose_name_plural = _("menu options")
        ordering = ("menu", "key")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=("menu", "key"), name="attendant_one_option_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.kind} {self.number}"
