from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import member_space_ids, spaces_by_name
from officina.knowledge.actions import BODY_MAX_LENGTH, MAX_TAGS, TITLE_MAX_LENGTH
from officina.skills.pickers import SkillsPicker
from officina.skills.selectors import all_skills

if TYPE_CHECKING:
    from officina.accounts.models import Member


class QuestionForm(forms.Form):
    title = forms.CharField(
        label=_("Your question"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("One sentence, e.g. “Who can review a commercial lease in Milan?”"),
    )
    body = forms.CharField(
        label=_("Details"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What you tried, what you need, by when."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=all_skills().none(),
        required=False,
        widget=SkillsPicker(attrs={"size": 8}),
    )
    space = forms.ModelChoiceField(
        label=_("Visible to"),
        queryset=spaces_by_name().none(),
        required=False,
        empty_label=_("The whole community"),
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = all_skills()  # type: ignore[attr-defined]
        # Interpolated here, per request, so that it follows the active language.
        self.fields["tags"].help_text = _(
            "Up to %(count)d skills: whoever gives the accepted answer gains them as evidence."
        ) % {"count": MAX_TAGS}
        self.fields["space"].queryset = spaces_by_name().filter(  # type: ignore[attr-defined]
            pk__in=member_space_ids(member)
        )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class QuestionFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    tag = forms.SlugField(label=_("Skill"), required=False, max_length=80)
    unanswered = forms.BooleanField(label=_("Unanswered only"), required=False)
