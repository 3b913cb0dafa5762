from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from officina.core.errors import OfficinaError
from officina.skills.actions import (
    check_merge_free_tags,
    check_rename_free_tag,
    check_set_free_tag_synonyms,
    checked_free_tag_synonyms,
    checked_skill_synonyms,
)
from officina.skills.forms import SynonymsField
from officina.skills.models import (
    Endorsement,
    FreeTag,
    MemberFreeTag,
    MemberSkill,
    Skill,
    SkillEvidence,
)


class SkillAdminForm(forms.ModelForm[Skill]):
    """A skill's names and its synonyms, one per line or separated by commas, checked as
    a free tag's are: a synonym given twice, one of the skill's names, or not of 2 to 80
    characters is refused on the field."""

    synonyms = SynonymsField(label=_("Synonyms"), required=False)

    class Meta:
        model = Skill
        fields = ("slug", "name_en", "name_it", "category", "synonyms", "tag_synonyms")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        names = [
            cleaned.get(name) or getattr(self.instance, name) for name in ("name_en", "name_it")
        ]
        try:
            cleaned["synonyms"] = checked_skill_synonyms(names, cleaned.get("synonyms") or [])
        except OfficinaError as error:
            self.add_error("synonyms", str(error.message))
        return cleaned


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
    form = SkillAdminForm
    list_display = ("name_en", "name_it", "category", "slug")
    list_filter = ("category",)
    search_fields = ("name_en", "name_it", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(MemberSkill)
class MemberSkillAdmin(admin.ModelAdmin[MemberSkill]):
    list_display = ("member", "skill", "kind", "level")
    list_filter = ("kind", "level", "skill__category")
    search_fields = ("member__email", "member__last_name", "skill__name_en", "skill__name_it")
    raw_id_fields = ("member",)
    autocomplete_fields = ("skill",)


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin[Endorsement]):
    list_display = ("endorser", "member_skill", "member_free_tag", "created_at")
    raw_id_fields = ("endorser", "member_skill", "member_free_tag")


@admin.register(SkillEvidence)
class SkillEvidenceAdmin(admin.ModelAdmin[SkillEvidence]):
    list_display = ("member", "skill", "source_kind", "source_id", "created_at")
    list_filter = ("source_kind",)
    raw_id_fields = ("member",)
    autocomplete_fields = ("skill",)


class MergeFreeTagsForm(forms.Form):
    """Where the selected free tags go: one of them, or a skill of the taxonomy."""

    into_tag = forms.ModelChoiceField(
        label=_("Into the free tag"),
        queryset=FreeTag.objects.none(),
        required=False,
        empty_label=_("(none: into a skill)"),
    )
    into_skill = forms.ModelChoiceField(
        label=_("Or into the skill"),
        queryset=Skill.objects.order_by("name_en"),
        required=False,
        empty_label=_("(none: into a free tag)"),
    )

    def __init__(self, tags: list[FreeTag], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["into_tag"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FreeTag.objects.filter(pk__in=[tag.pk for tag in tags]).order_by("key")


class FreeTagAdminForm(forms.ModelForm[FreeTag]):
    """A tag's text and its synonyms, one per line: typos in them are refused on the
    field, before anything is saved."""

    synonyms = SynonymsField(label=_("Synonyms"), required=False)

    class Meta:
        model = FreeTag
        fields = ("text", "synonyms")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        text = cleaned.get("text") or self.instance.text
        try:
            cleaned["synonyms"] = checked_free_tag_synonyms(text, cleaned.get("synonyms") or [])
        except OfficinaError as error:
            self.add_error("synonyms", str(error.message))
        return cleaned


class MemberFreeTagInline(admin.TabularInline[MemberFreeTag, FreeTag]):
    model = MemberFreeTag
    fields = ("member", "kind", "level", "note")
    raw_id_fields = ("member",)
    extra = 0


@admin.register(FreeTag)
class FreeTagAdmin(admin.ModelAdmin[FreeTag]):
    """The free tags with how many members list each. Merging moves members' rows and
    teaches the skill a synonym: that is done by the action here, on the free tags page
    (``skills:free_tags``) or through the API, never by editing rows. A tag's text and
    its synonyms are edited here, through the same checks as elsewhere."""

    form = FreeTagAdminForm
    list_display = ("text", "language", "member_count", "created_at")
    list_filter = ("language",)
    search_fields = ("text",)
    fields = ("text", "language", "synonyms")
    inlines = (MemberFreeTagInline,)
    actions = ("merge_free_tags",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FreeTag]:
        return (
            super().get_queryset(request).annotate(members=Count("listings__member", distinct=True))
        )

    @admin.display(description=_("members"), ordering="members")
    def member_count(self, tag: FreeTag) -> int:
        return int(getattr(tag, "members", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: FreeTag | None = None) -> Any:
        return ("language",) if obj is not None else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # members add free tags, by listing them

    def save_model(self, request: HttpRequest, obj: FreeTag, form: Any, change: bool) -> None:
        # A new text is a rename: the same checks and folded key as on the page.
        stored = FreeTag.objects.get(pk=obj.pk)
        try:
            if "text" in form.changed_data:
                stored = check_rename_free_tag(stored, obj.text)
            if "synonyms" in form.changed_data:
                check_set_free_tag_synonyms(stored, form.cleaned_data["synonyms"])
        except OfficinaError as error:
            messages.error(request, str(error.message))

    @admin.action(description=_("Merge the selected free tags"), permissions=["change"])
    def merge_free_tags(
        self, request: HttpRequest, queryset: QuerySet[FreeTag]
    ) -> TemplateResponse | None:
        """Many members write one thing differently ("react.js", "ReactJS"): their tags
        become one free tag, or a skill of the taxonomy. A page asks which first."""
        tags = list(queryset.order_by("-members", "key"))
        applying = "apply" in request.POST
        form = MergeFreeTagsForm(tags, request.POST if applying else None)
        if applying and form.is_valid():
            into_tag, into_skill = form.cleaned_data["into_tag"], form.cleaned_data["into_skill"]
            try:
                merged = check_merge_free_tags(tags, into_tag=into_tag, into_skill=into_skill)
            except OfficinaError as error:
                form.add_error(None, str(error.message))
            else:
                target = into_tag.text if into_tag is not None else into_skill.name
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d member moved to “%(target)s”.",
                        "%(count)d members moved to “%(target)s”.",
                        merged.members,
                    )
                    % {"count": merged.members, "target": target},
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge free tags"),
            "opts": self.model._meta,
            "tags": tags,
            "form": form,
            "selected": [tag.pk for tag in tags],
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/skills/freetag/merge.html", context, status=400 if applying else 200
        )
