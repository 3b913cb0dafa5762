from django.contrib import admin

from officina.skills.models import Endorsement, MemberSkill, Skill, SkillEvidence


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
