from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from officina.core.errors import OfficinaError
from officina.skills.actions import check_rename_free_tag
from officina.skills.models import (
    Endorsement,
    FreeTag,
    MemberFreeTag,
    MemberSkill,
    Skill,
    SkillEvidence,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
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
    list_display = ("endorser", "member_skill", "created_at")
    raw_id_fields = ("endorser", "member_skill")


@admin.register(SkillEvidence)
class SkillEvidenceAdmin(admin.ModelAdmin[SkillEvidence]):
    list_display = ("member", "skill", "source_kind", "source_id", "created_at")
    list_filter = ("source_kind",)
    raw_id_fields = ("member",)
    autocomplete_fields = ("skill",)


class MemberFreeTagInline(admin.TabularInline[MemberFreeTag, FreeTag]):
    model = MemberFreeTag
    fields = ("member", "kind", "level", "note")
    raw_id_fields = ("member",)
    extra = 0


@admin.register(FreeTag)
class FreeTagAdmin(admin.ModelAdmin[FreeTag]):
    """The free tags with how many members list each. Merging moves members' rows and
    teaches the skill a synonym: that is done on the free tags page
    (``skills:free_tags``) or through the API, never by editing rows here."""

    list_display = ("text", "language", "member_count", "created_at")
    list_filter = ("language",)
    search_fields = ("text",)
    fields = ("text", "language")
    inlines = (MemberFreeTagInline,)

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
        try:
            check_rename_free_tag(FreeTag.objects.get(pk=obj.pk), obj.text)
        except OfficinaError as error:
            messages.error(request, str(error.message))
