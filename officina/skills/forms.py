from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import Skill
from officina.skills.pickers import SkillPicker


class MemberSkillForm(forms.Form):
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        queryset=Skill.objects.order_by("category", "name_en"),
        widget=SkillPicker,
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
