"""Auto-attendant menus: a number of a company that answers, says a greeting and sends
the caller where the key they press says (a person, a ring group, a voicemail, another
menu)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from officina.ringgroups.kinds import NUMBER_MAX_DIGITS

from .kinds import GREETING_TEXT_MAX, NAME_MAX_LENGTH, TIMEOUT_SECONDS_DEFAULT, OptionKind
from .prompts import Language


class Menu(models.Model):
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="attendant_menus",
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
    # The menu that answers instead while the company is closed (its business hours, as
    # the ring groups keep them); empty, this menu answers at any hour.
    out_of_hours_number = models.CharField(
        _("out of hours, the menu"), max_length=NUMBER_MAX_DIGITS, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("auto-attendant menu")
        verbose_name_plural = _("auto-attendant menus")
        ordering = ("number",)

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


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
