"""Forms of the project pages; the actions check the rules, the forms the shapes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officina.accounts.kinds import RelationKind
from officina.skills.pickers import SkillsPicker

from .kinds import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, ProjectRole, TaskStatus

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    description = forms.CharField(
        label=_("What it is about"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX_LENGTH,
        required=False,
    )
    needed_skills = forms.MultipleChoiceField(
        label=_("Skills it needs"),
        required=False,
        widget=SkillsPicker(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, skills: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needed_skills"].choices = skills  # type: ignore[attr-defined]


class NewProjectForm(ProjectForm):
    company = forms.ChoiceField(label=_("Company"))
    field_order = ["company", "name", "description", "needed_skills"]

    def __init__(self, *args: Any, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = companies  # type: ignore[attr-defined]


class CompanyInviteForm(forms.Form):
    company = forms.ChoiceField(label=_("Company"))
    relation = forms.ChoiceField(label=_("As"), choices=RelationKind.choices)
    role = forms.ChoiceField(
        label=_("Role"), choices=ProjectRole.choices, initial=ProjectRole.CONTRIBUTOR
    )

    def __init__(self, *args: Any, companies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = companies  # type: ignore[attr-defined]


class PersonInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=ProjectRole.choices, initial=ProjectRole.VIEWER
    )


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=NAME_MAX_LENGTH)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Write @First Last to let someone of the project know."),
    )
    is_internal = forms.BooleanField(label=_("Internal"), required=False)


class ThreadEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=NAME_MAX_LENGTH)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Write @First Last to let someone of the project know."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX_LENGTH,
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=NAME_MAX_LENGTH)
    description = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX_LENGTH,
        required=False,
    )
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), coerce=int, empty_value=None, required=False
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE_INPUT, required=False)
    is_internal = forms.BooleanField(label=_("Internal"), required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("nobody yet")), *people]  # type: ignore[attr-defined]


class TaskEditForm(TaskForm):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whether a task is internal is decided when it is made.
        del self.fields["is_internal"]


class FileForm(forms.Form):
    upload = forms.FileField(label=_("File"))
    name = forms.CharField(label=_("Name (optional)"), max_length=NAME_MAX_LENGTH, required=False)
    is_internal = forms.BooleanField(label=_("Internal"), required=False)


class VersionForm(forms.Form):
    upload = forms.FileField(label=_("New version"))


class LinkForm(forms.Form):
    target = forms.ChoiceField(label=_("Booking or event"))

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
