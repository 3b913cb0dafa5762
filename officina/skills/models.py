"""The skills taxonomy, what members know, offer and need, endorsements and evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .kinds import EvidenceSource, SkillCategory, SkillKind, SkillLevel


class Skill(models.Model):
    """One entry of the shared taxonomy, named in both interface languages."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_it = models.CharField(_("name (Italian)"), max_length=80)
    category = models.CharField(_("category"), max_length=20, choices=SkillCategory.choices)
    # Other words for the skill in either language ("iva", "vat"): text that names the
    # skill without its name still finds it (matchmaking reads them).
    synonyms = models.JSONField(_("synonyms"), default=list, blank=True)
    # Free tags a manager merged into the skill, by the language they were written in
    # ({"it": ["ceramica raku"]}): what members typed keeps finding the skill.
    tag_synonyms = models.JSONField(_("synonyms from free tags"), default=dict, blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ("name_en",)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en").split("-")[0]
        return self.name_it if language == "it" else self.name_en

    @property
    def all_synonyms(self) -> tuple[str, ...]:
        """The curated synonyms, then the merged free tags' texts in every language."""
        merged = (text for texts in (self.tag_synonyms or {}).values() for text in texts)
        return tuple(dict.fromkeys((*self.synonyms, *merged)))


# Only what a member can do is endorsable; an interest or a need is not a claim.
ENDORSABLE_KINDS = frozenset({SkillKind.SKILL, SkillKind.TALENT, SkillKind.OFFER})


class Listing(models.Model):
    """What a member's line of skills says besides the skill: as what, how well, a note.
    Shared by a taxonomy skill's listing and a free tag's, which a merge turns into one."""

    kind = models.CharField(_("kind"), max_length=10, choices=SkillKind.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), choices=SkillLevel.choices, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_endorsable(self) -> bool:
        return self.kind in ENDORSABLE_KINDS


class MemberSkill(Listing):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="member_skills",
        verbose_name=_("member"),
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, related_name="member_skills", verbose_name=_("skill")
    )

    class Meta:
        verbose_name = _("member skill")
        verbose_name_plural = _("member skills")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "skill", "kind"], name="one_member_skill_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=4),
                name="member_skill_level_range",
            ),
        ]
        indexes = [models.Index(fields=["skill", "kind"], name="member_skill_by_skill")]

    def __str__(self) -> str:
        return f"{self.member} · {self.skill} ({self.kind})"


class Endorsement(models.Model):
    """A member vouching for another member's listing (never their own): of a taxonomy
    skill, or of a free tag. One table for both: a merge turns the tag's listing into the
    skill's, and its endorsements move by changing which of the two they point to."""

    endorser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="endorsements_given",
        verbose_name=_("endorser"),
    )
    member_skill = models.ForeignKey(
        MemberSkill,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="endorsements",
        verbose_name=_("member skill"),
    )
    member_free_tag = models.ForeignKey(
        "MemberFreeTag",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="endorsements",
        verbose_name=_("member's free tag"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(
                fields=["member_skill", "endorser"], name="one_endorsement_per_endorser"
            ),
            models.UniqueConstraint(
                fields=["member_free_tag", "endorser"],
                name="one_free_tag_endorsement_per_endorser",
            ),
            models.CheckConstraint(
                condition=models.Q(member_skill__isnull=False, member_free_tag__isnull=True)
                | models.Q(member_skill__isnull=True, member_free_tag__isnull=False),
                name="endorsement_of_a_skill_or_a_free_tag",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endorser} → {self.member_skill or self.member_free_tag}"


class SkillEvidence(models.Model):
    """Proof of a skill that the community observed (e.g. an accepted answer)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="skill_evidence",
        verbose_name=_("member"),
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("skill")
    )
    source_kind = models.CharField(_("source"), max_length=20, choices=EvidenceSource.choices)
    source_id = models.PositiveBigIntegerField(_("source id"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("skill evidence")
        verbose_name_plural = _("skill evidence")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["member", "skill", "source_kind", "source_id"],
                name="one_evidence_per_source",
            )
        ]
        indexes = [models.Index(fields=["member", "skill"], name="evidence_member_skill")]

    def __str__(self) -> str:
        return f"{self.member} · {self.skill} ({self.source_kind} {self.source_id})"


class FreeTag(models.Model):
    """A skill a member named that the taxonomy does not have, in the words and the
    language they used; a space manager merges it into a taxonomy skill or renames it.

    ``key`` is the text folded (lower case, no accents): "Ceramica Raku" and "ceramica
    raku" are one tag in one language.
    """

    text = models.CharField(_("text"), max_length=80)
    key = models.CharField(_("key"), max_length=80, editable=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    # The texts of free tags merged into this one, as they were written ("ReactJS" in
    # "React"): searching for them still finds the members who list it.
    synonyms = models.JSONField(_("synonyms"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("free tag")
        verbose_name_plural = _("free tags")
        ordering = ("key",)
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="one_free_tag_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.text} ({self.language})"

    @property
    def texts(self) -> tuple[str, ...]:
        """Its text, then the texts merged into it."""
        return (self.text, *(self.synonyms or ()))


class MemberFreeTag(Listing):
    """A member's listing of a free tag: the same kinds, level and note as a skill's."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="free_tags",
        verbose_name=_("member"),
    )
    tag = models.ForeignKey(
        FreeTag, on_delete=models.CASCADE, related_name="listings", verbose_name=_("free tag")
    )

    class Meta:
        verbose_name = _("member's free tag")
        verbose_name_plural = _("members' free tags")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "tag", "kind"], name="one_member_free_tag_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=4),
                name="member_free_tag_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.tag} ({self.kind})"


class StatedEvidence(models.Model):
    """What a member points to as proof of a skill or a free tag they list: a link (http
    or https), a short text ("the bakery's new site"), or both. Unlike
    :class:`SkillEvidence`, which the community observed, the member states it; both show
    on the profile beside the skill."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="stated_evidence",
        verbose_name=_("member"),
    )
    skill = models.ForeignKey(
        Skill,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stated_evidence",
        verbose_name=_("skill"),
    )
    tag = models.ForeignKey(
        FreeTag,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stated_evidence",
        verbose_name=_("free tag"),
    )
    url = models.CharField(_("link"), max_length=500, blank=True)
    text = models.CharField(_("text"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stated evidence")
        verbose_name_plural = _("stated evidence")
        ordering = ("created_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(skill__isnull=False, tag__isnull=True)
                | models.Q(skill__isnull=True, tag__isnull=False),
                name="stated_evidence_of_a_skill_or_a_tag",
            ),
            models.CheckConstraint(
                condition=~models.Q(url="", text=""), name="stated_evidence_not_empty"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "skill"], name="stated_evidence_member_skill"),
            models.Index(fields=["member", "tag"], name="stated_evidence_member_tag"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.skill or self.tag}: {self.url or self.text}"
