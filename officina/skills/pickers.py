"""Skill pickers: the form widgets every page that chooses skills uses.

Without JavaScript a picker is a plain ``<select>`` (one skill, or several), its options
grouped by category and in alphabetical order in the reader's language, so the form
works as it is. ``skills/picker.js`` turns it into a type-to-search combobox (the WAI-ARIA
combobox pattern): typing matches either language's name and the synonyms, accents and
case aside ("contabilita" finds "Contabilità", "vat" finds "Fisco e IVA"). The words to
match are written on each option (``data-words``), so the script asks the server nothing,
and the texts it shows come translated in the select's own attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _

from officina.skills.folding import folded
from officina.skills.kinds import SkillCategory
from officina.skills.selectors import all_skills

if TYPE_CHECKING:
    from officina.skills.models import Skill


def skill_words(skill: Skill) -> str:
    """Every word a member may type to find ``skill``, folded, without repeats."""
    phrases = (skill.name_en, skill.name_it, *skill.all_synonyms)
    return " ".join(dict.fromkeys(folded(phrase.strip()) for phrase in phrases if phrase.strip()))


class _SkillOptions:
    """Options regrouped by category and ordered by name in the active language,
    whatever the field's choices are keyed by (a skill's primary key or its slug)."""

    allow_multiple_selected: bool

    def _picker_attrs(self) -> dict[str, str]:
        return {
            "data-skill-picker": "many" if self.allow_multiple_selected else "one",
            "data-placeholder": _("Type a skill, in Italian or English"),
            "data-no-match": _("No skill matches “%s”."),
            "data-matches": _("%d skills match; use the up and down arrows to choose."),
            "data-one-match": _("One skill matches; press Enter to choose it."),
            "data-remove": _("Remove %s"),
            "data-chosen": _("Chosen skills"),
            "data-choose-from-list": _("Choose a skill from the list."),
        }

    def build_attrs(
        self, base_attrs: dict[str, Any], extra_attrs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        attrs = super().build_attrs(base_attrs, extra_attrs)  # type: ignore[misc]
        return {**self._picker_attrs(), **attrs}

    def optgroups(
        self, name: str, value: list[str], attrs: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        by_key: dict[str, Skill] = {}
        for skill in all_skills():
            by_key[str(skill.pk)] = skill
            by_key[skill.slug] = skill
        chosen = set(value)
        groups: list[tuple[str | None, list[dict[str, Any]], int | None]] = []
        grouped: dict[str, list[tuple[str, Skill]]] = {}
        blank: list[tuple[Any, str]] = []
        for option_value, _label in self.choices:  # type: ignore[attr-defined]
            key = str(getattr(option_value, "value", option_value))
            found = by_key.get(key)
            if found is None:
                blank.append((option_value, _label))
            else:
                grouped.setdefault(found.category, []).append((key, found))
        index = 0
        for option_value, label in blank:
            key = "" if option_value is None else str(option_value)
            option = self.create_option(  # type: ignore[attr-defined]
                name, option_value, label, key in chosen, index
            )
            groups.append((None, [option], index))
            index += 1
        for category, category_label in SkillCategory.choices:
            entries = sorted(grouped.get(category, []), key=lambda pair: folded(pair[1].name))
            if not entries:
                continue
            options = []
            for subindex, (key, skill) in enumerate(entries):
                option = self.create_option(  # type: ignore[attr-defined]
                    name, key, skill.name, key in chosen, index, subindex
                )
                # A select's options do not inherit attributes: set on the option itself.
                option["attrs"]["data-words"] = skill_words(skill)
                options.append(option)
            groups.append((str(category_label), options, index))
            index += 1
        return groups


class SkillPicker(_SkillOptions, forms.Select):
    """One skill."""

    class Media:
        css = {"all": ("skills/picker.css",)}
        js = ("skills/picker.js",)


class SkillsPicker(_SkillOptions, forms.SelectMultiple):
    """Several skills."""

    class Media:
        css = {"all": ("skills/picker.css",)}
        js = ("skills/picker.js",)
