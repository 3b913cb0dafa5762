from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import Skill


class SkillChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.get_category_display()}"


class MemberSkillForm(forms.Form):
    skill = SkillChoiceField(
        label=_("Skill"), queryset=Skill.objects.order_by("category", "name_en")
    )
    kind = forms.ChoiceField(label=_("As"), choices=SkillKind.choices)
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", _("(not stated)")), *SkillLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("E.g. “ten years of Django” or “looking for a mentor”."),
    )
