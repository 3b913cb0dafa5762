from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.skills.actions import MAX_EVIDENCE_TEXT, MAX_EVIDENCE_URL
from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import Skill
from officina.skills.pickers import SkillPicker

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LevelField(forms.TypedChoiceField):
    """How well, optional: a level of the scale, or "(not stated)"."""

    def __init__(self, label: StrOrPromise) -> None:
        super().__init__(
            label=label,
            choices=[("", _("(not stated)")), *SkillLevel.choices],
            coerce=int,
            empty_value=None,
            required=False,
        )


class MemberSkillForm(forms.Form):
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        queryset=Skill.objects.order_by("category", "name_en"),
        widget=SkillPicker,
    )
    kind = forms.ChoiceField(label=_("As"), choices=SkillKind.choices)
    level = LevelField(_("Level"))
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("E.g. “ten years of Django” or “looking for a mentor”."),
    )


class FreeTagForm(forms.Form):
    """Something the taxonomy lacks, in the member's words."""

    text = forms.CharField(
        label=_("Not in the list? Write it"),
        min_length=2,
        max_length=80,
        help_text=_("A free tag: a space manager may later merge it into a skill of the list."),
    )
    # Labels of their own: the form beside it asks "As" and "Level" for a listed skill.
    kind = forms.ChoiceField(label=_("Listed as"), choices=SkillKind.choices)
    level = LevelField(_("How well"))


class MergeFreeTagForm(forms.Form):
    skill = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Skill.objects.order_by("category", "name_en"),
        widget=SkillPicker,
    )


class RenameFreeTagForm(forms.Form):
    text = forms.CharField(label=_("New text"), min_length=2, max_length=80)


class StatedEvidenceForm(forms.Form):
    """A link or a short text that proves a skill; the action checks what the form
    cannot (a link's scheme, one of the two given)."""

    url = forms.CharField(
        label=_("Link"),
        max_length=MAX_EVIDENCE_URL,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("A portfolio, a repository, a published work…"),
    )
    text = forms.CharField(
        label=_("Or a short text"),
        max_length=MAX_EVIDENCE_TEXT,
        required=False,
        help_text=_("E.g. “designed the Navigli bakery’s website”."),
    )


class SynonymsField(forms.Field):
    """Synonyms as a manager types them: one per line, or separated by commas. The
    stored list is shown one per line."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 40})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            _("One per line, or separated by commas; none twice, case and accents aside."),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(each) for each in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(each) for each in value]
        lines = str(value or "").replace(",", "\n").splitlines()
        return [" ".join(line.split()) for line in lines if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial) != self.to_python(data)
