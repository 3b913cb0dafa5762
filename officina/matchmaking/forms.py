"""Forms of the matchmaking pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.matchmaking.teams import MAX_REQUIRED_SKILLS
from officina.skills.pickers import SkillsPicker
from officina.skills.selectors import all_skills


class TeamForm(forms.Form):
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills the team needs"),
        queryset=all_skills(),
        to_field_name="slug",
        widget=SkillsPicker(attrs={"size": 8}),
        error_messages={
            "invalid_choice": _("Choose skills from the list."),
            "required": _("Choose at least one skill."),
        },
    )

    def clean_skills(self) -> list[object]:
        chosen = list(self.cleaned_data["skills"])
        if len(chosen) > MAX_REQUIRED_SKILLS:
            raise forms.ValidationError(
                _("Choose at most %(count)d skills.") % {"count": MAX_REQUIRED_SKILLS}
            )
        return chosen
