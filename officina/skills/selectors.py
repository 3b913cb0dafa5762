"""Reads: a member's skills with counts, the taxonomy, who knows or needs what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import visible_members_q
from officina.skills.folding import folded
from officina.skills.kinds import EvidenceSource, SkillKind
from officina.skills.models import (
    Endorsement,
    FreeTag,
    MemberFreeTag,
    MemberSkill,
    Skill,
    SkillEvidence,
    StatedEvidence,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member


def member_skills_with_counts(member: Member, viewer: Member | None = None) -> list[MemberSkill]:
    """Every skill row of ``member`` with ``endorsement_count``, ``evidence_count`` and
    ``endorsed_by_viewer``, in one query."""
    evidence = (
        SkillEvidence.objects.filter(member=OuterRef("member_id"), skill=OuterRef("skill_id"))
        .order_by()
        .values("skill_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    rows = _with_endorsements(
        MemberSkill.objects.filter(member=member).select_related("skill"), "member_skill", viewer
    ).annotate(evidence_count=Coalesce(Subquery(evidence, output_field=IntegerField()), Value(0)))
    return list(rows.order_by("kind", "-endorsement_count", "skill__name_en"))


Listings = TypeVar("Listings", MemberSkill, MemberFreeTag)


def _with_endorsements(
    rows: QuerySet[Listings], endorsed: str, viewer: Member | None
) -> QuerySet[Listings]:
    """``endorsement_count`` and ``endorsed_by_viewer`` on listings of either sort:
    ``endorsed`` names the endorsement's field that points to them."""
    rows = rows.annotate(endorsement_count=Count("endorsements", distinct=True))
    if viewer is None or not viewer.is_authenticated:
        return rows.annotate(endorsed_by_viewer=Value(False))
    given = Endorsement.objects.filter(**{endorsed: OuterRef("pk")}, endorser=viewer)
    return rows.annotate(endorsed_by_viewer=Exists(given))


KIND_TITLES = {
    SkillKind.SKILL: _("Skills"),
    SkillKind.TALENT: _("Talents"),
    SkillKind.INTEREST: _("Interests"),
    SkillKind.OFFER: _("Offers"),
    SkillKind.NEED: _("Looking for"),
}


@dataclass
class SkillsByKind:
    """A member's skills grouped for the profile page, in a fixed order of kinds: each
    group is (kind, title, taxonomy rows, free tags)."""

    groups: list[tuple[str, str, list[MemberSkill], list[MemberFreeTag]]] = field(
        default_factory=list
    )

    @classmethod
    def of(cls, rows: list[MemberSkill], free_tags: Sequence[MemberFreeTag] = ()) -> SkillsByKind:
        return cls(
            groups=[
                (
                    kind,
                    str(title),
                    [row for row in rows if row.kind == kind],
                    [tag for tag in free_tags if tag.kind == kind],
                )
                for kind, title in KIND_TITLES.items()
            ]
        )

    @property
    def is_empty(self) -> bool:
        return not any(rows or tags for _kind, _title, rows, tags in self.groups)


def evidence_of(member: Member, limit: int = 20) -> list[SkillEvidence]:
    return list(
        SkillEvidence.objects.filter(member=member)
        .select_related("skill")
        .order_by("-created_at")[:limit]
    )


@dataclass
class StatedByMember:
    """The evidence a member stated, by skill id and by free tag id, oldest first."""

    by_skill: dict[int, list[StatedEvidence]] = field(default_factory=dict)
    by_tag: dict[int, list[StatedEvidence]] = field(default_factory=dict)

    def of(self, listing: MemberSkill | MemberFreeTag) -> list[StatedEvidence]:
        if isinstance(listing, MemberSkill):
            return self.by_skill.get(listing.skill_id, [])
        return self.by_tag.get(listing.tag_id, [])


def stated_evidence_of(member: Member) -> StatedByMember:
    """Every link or note the member gave as evidence of their skills and free tags, in
    one query."""
    stated = StatedByMember()
    for row in StatedEvidence.objects.filter(member=member).order_by("created_at", "pk"):
        if row.skill_id is not None:
            stated.by_skill.setdefault(row.skill_id, []).append(row)
        elif row.tag_id is not None:
            stated.by_tag.setdefault(row.tag_id, []).append(row)
    return stated


# The kinds that claim a skill; interests and needs prove nothing. In this order: the
# evidence shows on the first of a skill's listings.
GIVING_KINDS = (SkillKind.SKILL, SkillKind.TALENT, SkillKind.OFFER)


def attach_stated_evidence(
    member: Member, rows: Sequence[MemberSkill], free_tags: Sequence[MemberFreeTag] = ()
) -> None:
    """Set ``stated`` (the member's links and notes) and ``takes_evidence`` on each of
    the member's listings: evidence belongs to the skill or the free tag, so it shows
    on its first listing of a giving kind, and on no other. One query."""
    stated = stated_evidence_of(member)
    order: dict[str, int] = {kind: position for position, kind in enumerate(GIVING_KINDS)}
    placed: set[tuple[bool, int]] = set()
    listings: list[MemberSkill | MemberFreeTag] = [*rows, *free_tags]
    for listing in sorted(listings, key=lambda listing: order.get(listing.kind, len(order))):
        is_skill = isinstance(listing, MemberSkill)
        key = (is_skill, listing.skill_id if is_skill else listing.tag_id)  # type: ignore[union-attr]
        takes = listing.kind in order and key not in placed
        if takes:
            placed.add(key)
        listing.takes_evidence = takes  # type: ignore[union-attr]
        listing.stated = stated.of(listing) if takes else []  # type: ignore[union-attr]


@dataclass
class EndorsersByListing:
    """Who endorsed each of a member's listings, by member skill id and by free tag
    listing id, by name."""

    by_skill: dict[int, list[Member]] = field(default_factory=dict)
    by_tag: dict[int, list[Member]] = field(default_factory=dict)

    def of(self, listing: MemberSkill | MemberFreeTag) -> list[Member]:
        if isinstance(listing, MemberSkill):
            return self.by_skill.get(listing.pk, [])
        return self.by_tag.get(listing.pk, [])


def endorsers_by_listing(member: Member) -> EndorsersByListing:
    """Who endorsed each of the member's skills and free tags (members the community
    sees), in one query: a profile names them."""
    endorsers = EndorsersByListing()
    for endorsement in (
        Endorsement.objects.filter(
            Q(member_skill__member=member) | Q(member_free_tag__member=member),
            visible_members_q("endorser"),
        )
        .select_related("endorser")
        .order_by("endorser__first_name", "endorser__last_name", "endorser_id")
    ):
        if endorsement.member_skill_id is not None:
            endorsers.by_skill.setdefault(endorsement.member_skill_id, []).append(
                endorsement.endorser
            )
        elif endorsement.member_free_tag_id is not None:
            endorsers.by_tag.setdefault(endorsement.member_free_tag_id, []).append(
                endorsement.endorser
            )
    return endorsers


def accepted_answer_skills(member: Member) -> list[tuple[int, int]]:
    """(skill id, answer id) for each skill an accepted answer of the member showed."""
    return list(
        SkillEvidence.objects.filter(member=member, source_kind=EvidenceSource.ACCEPTED_ANSWER)
        .order_by("-created_at", "pk")
        .values_list("skill_id", "source_id")
    )


def all_skills() -> QuerySet[Skill]:
    return Skill.objects.order_by("category", "name_en")


def skill_named(text: str) -> Skill | None:
    """The taxonomy skill whose name, in either language, or one of whose synonyms is
    ``text``, accents and case aside: what a member typed as a free tag may be one."""
    key = folded(text)
    if not key:
        return None
    for skill in Skill.objects.order_by("pk"):
        if key in {
            folded(phrase) for phrase in (skill.name_en, skill.name_it, *skill.all_synonyms)
        }:
            return skill
    return None


def free_tags_in_use() -> list[FreeTag]:
    """Every free tag someone lists, with ``members``: how many members list it (any
    kind), most used first."""
    return list(
        FreeTag.objects.annotate(members=Count("listings__member", distinct=True))
        .filter(members__gt=0)
        .order_by("-members", "key", "language")
    )


def member_free_tags(member: Member, viewer: Member | None = None) -> list[MemberFreeTag]:
    """The member's free tags with ``endorsement_count`` and ``endorsed_by_viewer``, in
    one query."""
    rows = MemberFreeTag.objects.filter(member=member).select_related("tag")
    return list(_with_endorsements(rows, "member_free_tag", viewer).order_by("kind", "tag__key"))


def skills_by_slugs(slugs: list[str]) -> list[Skill]:
    return list(Skill.objects.filter(slug__in=slugs))


def skill_catalogue() -> list[Skill]:
    """The taxonomy with how many members have or offer each skill, and how many need it."""
    return list(
        Skill.objects.annotate(
            holders=Count(
                "member_skills__member",
                filter=~Q(member_skills__kind__in=[SkillKind.NEED, SkillKind.INTEREST]),
                distinct=True,
            ),
            seekers=Count(
                "member_skills__member",
                filter=Q(member_skills__kind=SkillKind.NEED),
                distinct=True,
            ),
        ).order_by("category", "name_en")
    )


def members_with_skill(skill: Skill, kinds: Sequence[str]) -> QuerySet[MemberSkill]:
    return (
        MemberSkill.objects.filter(visible_members_q("member"), skill=skill, kind__in=kinds)
        .select_related("member")
        .annotate(endorsement_count=Count("endorsements"))
        .order_by("-endorsement_count", "member__first_name", "member__last_name")
    )


@dataclass
class MutualHelp:
    """What two members can do for each other: ``they_can_help`` lists the profile
    member's offers/skills that the viewer needs; ``you_can_help`` the reverse."""

    they_can_help: list[Skill]
    you_can_help: list[Skill]


def mutual_help(viewer: Member, member: Member) -> MutualHelp:
    """Needs of one matched with what the other offers or knows, both ways (1–2 queries)."""
    giving = [SkillKind.OFFER, SkillKind.SKILL, SkillKind.TALENT]
    rows = MemberSkill.objects.filter(member__in=[viewer, member]).values_list(
        "member_id", "skill_id", "kind"
    )
    needs: dict[int, set[int]] = {viewer.pk: set(), member.pk: set()}
    gives: dict[int, set[int]] = {viewer.pk: set(), member.pk: set()}
    for member_id, skill_id, kind in rows:
        if kind == SkillKind.NEED:
            needs[member_id].add(skill_id)
        elif kind in giving:
            gives[member_id].add(skill_id)
    they = needs[viewer.pk] & gives[member.pk]
    you = needs[member.pk] & gives[viewer.pk]
    if not they and not you:
        return MutualHelp(they_can_help=[], you_can_help=[])
    skills = {skill.pk: skill for skill in Skill.objects.filter(pk__in=they | you)}
    return MutualHelp(
        they_can_help=sorted((skills[pk] for pk in they), key=lambda skill: skill.name),
        you_can_help=sorted((skills[pk] for pk in you), key=lambda skill: skill.name),
    )


def top_skills_of(member_ids: list[int], per_member: int = 3) -> dict[int, list[Skill]]:
    """A few skills or offers of each member (for directory cards), in one query."""
    rows = (
        MemberSkill.objects.filter(
            member_id__in=member_ids, kind__in=[SkillKind.SKILL, SkillKind.OFFER]
        )
        .select_related("skill")
        .annotate(endorsement_count=Count("endorsements"))
        .order_by("member_id", "-endorsement_count", "skill__name_en")
    )
    top: dict[int, list[Skill]] = {member_id: [] for member_id in member_ids}
    for row in rows:
        chosen = top[row.member_id]
        if len(chosen) < per_member and row.skill not in chosen:
            chosen.append(row.skill)
    return top


def member_skills_with_names() -> QuerySet[MemberSkill]:
    """Member skills with their skill row: for the search index's member documents."""
    return MemberSkill.objects.select_related("skill")


def member_free_tags_with_texts() -> QuerySet[MemberFreeTag]:
    """Members' free tags with the tag's row: for the search index's member documents."""
    return MemberFreeTag.objects.select_related("tag")


def free_tag_member_ids(tag_id: int) -> list[int]:
    """Who lists the free tag: their documents show its text, so a rename re-indexes them."""
    return list(
        MemberFreeTag.objects.filter(tag_id=tag_id).values_list("member_id", flat=True).distinct()
    )


def skill_member_ids(skill_id: int) -> list[int]:
    """Who lists the skill: their documents show its names, so a rename re-indexes them."""
    return list(
        MemberSkill.objects.filter(skill_id=skill_id).values_list("member_id", flat=True).distinct()
    )


def listers_q(wanted: str) -> Q:
    """A filter on members: those who list what ``wanted`` names, in any kind. That is
    the taxonomy skill whose slug it is (the directory's links), or whose name or synonym
    it is in either language, and the free tags written that way in any language, or
    into which a tag written that way was merged, accents and case aside ("ceramica raku"
    finds "Ceramica Raku", "reactjs" finds "React" once "ReactJS" was merged into it)."""
    key = folded(wanted)
    if not key:
        return Q(pk__in=[])
    skill = Skill.objects.filter(slug=wanted).only("pk").first() or skill_named(wanted)
    taggers = MemberFreeTag.objects.filter(
        Q(tag__key=key) | Q(tag_id__in=free_tags_merged_from(key))
    ).values("member_id")
    if skill is None:
        return Q(pk__in=taggers)
    holders = MemberSkill.objects.filter(skill=skill).values("member_id")
    return Q(pk__in=holders) | Q(pk__in=taggers)


def free_tags_merged_from(key: str) -> list[int]:
    """The ids of the free tags into which a tag whose folded text is ``key`` was merged:
    one query over the tags that have merged texts."""
    merged = FreeTag.objects.exclude(synonyms=[]).only("pk", "synonyms").order_by("pk")
    return [tag.pk for tag in merged if key in {folded(text) for text in tag.synonyms}]


# The directory's filter offers the most used free tags; a rarer one is still found by its
# text in the address (``?skill=raku``), as profiles link to it.
FREE_TAG_CHOICES = 100


@dataclass(frozen=True, slots=True)
class FreeTagChoice:
    """A free tag as a filter offers it: its folded text (the value, the same in every
    language it was written in) and the text a member wrote."""

    key: str
    text: str


def free_tag_choices(limit: int = FREE_TAG_CHOICES) -> list[FreeTagChoice]:
    """The free tags in use, one per folded text whatever its languages, most listed
    first, in one query."""
    rows = (
        MemberFreeTag.objects.values("tag__key")
        .annotate(listings=Count("pk"), text=Min("tag__text"))
        .order_by("-listings", "tag__key")[:limit]
    )
    return sorted(
        (FreeTagChoice(row["tag__key"], row["text"]) for row in rows),
        key=lambda choice: choice.key,
    )


@dataclass(frozen=True, slots=True)
class SkillWords:
    """The phrases that name a skill in text: both names and every synonym, lower case."""

    skill_id: int
    phrases: tuple[str, ...]


# The fields of a skill that its phrases come from: a save of none of them changes none.
VOCABULARY_FIELDS = ("slug", "name_en", "name_it", "synonyms", "tag_synonyms")


def _skill_words(
    skill_id: int,
    slug: str,
    name_en: str,
    name_it: str,
    synonyms: list[str],
    tag_synonyms: dict[str, list[str]] | None,
) -> SkillWords:
    phrases = (
        name_en,
        name_it,
        slug.replace("-", " "),
        *synonyms,
        *(text for texts in (tag_synonyms or {}).values() for text in texts),
    )
    return SkillWords(
        skill_id,
        tuple(dict.fromkeys(phrase.strip().lower() for phrase in phrases if phrase.strip())),
    )


def skill_vocabulary() -> list[SkillWords]:
    return [_skill_words(*row) for row in Skill.objects.values_list("pk", *VOCABULARY_FIELDS)]


def skill_words(skill_id: int) -> SkillWords | None:
    """One skill's phrases, as :func:`skill_vocabulary` has them, read now."""
    row = Skill.objects.filter(pk=skill_id).values_list("pk", *VOCABULARY_FIELDS).first()
    return _skill_words(*row) if row is not None else None


@dataclass(frozen=True, slots=True)
class Holding:
    """One member's listing of one skill, with how many endorsed it (for rankings), and
    whether it was added by the community's evidence rather than by the member: a skill
    shown in an accepted answer is listed for its author without a level or a note."""

    member_id: int
    skill_id: int
    kind: str
    level: int | None
    endorsements: int
    added_by_evidence: bool


def holdings_of(member_ids: Sequence[int]) -> list[Holding]:
    """Every skill row of these members with its endorsement count, in one query."""
    shown = SkillEvidence.objects.filter(member=OuterRef("member_id"), skill=OuterRef("skill_id"))
    return [
        Holding(
            *row[:5],
            added_by_evidence=row[2] == SkillKind.SKILL
            and row[5]
            and row[3] is None
            and not row[6],
        )
        for row in MemberSkill.objects.filter(member_id__in=list(member_ids))
        .annotate(endorsement_count=Count("endorsements"), shown=Exists(shown))
        .values_list("member_id", "skill_id", "kind", "level", "endorsement_count", "shown", "note")
        .order_by("member_id", "skill_id")
    ]


@dataclass(frozen=True, slots=True)
class FreeTagHolding:
    """One member's listing of a free tag, with the texts the tag goes by (its own as
    written, then its synonyms) and how many endorsed it."""

    member_id: int
    tag_id: int
    texts: tuple[str, ...]
    kind: str
    level: int | None
    endorsements: int


def free_tag_holdings_of(member_ids: Sequence[int]) -> list[FreeTagHolding]:
    """Every free tag listing of these members with its endorsement count, in one query."""
    rows = (
        MemberFreeTag.objects.filter(member_id__in=list(member_ids))
        .annotate(endorsement_count=Count("endorsements"))
        .values_list(
            "member_id",
            "tag_id",
            "tag__text",
            "tag__synonyms",
            "kind",
            "level",
            "endorsement_count",
        )
        .order_by("member_id", "tag_id", "kind")
    )
    return [
        FreeTagHolding(member_id, tag_id, (text, *(synonyms or ())), kind, level, endorsements)
        for member_id, tag_id, text, synonyms, kind, level, endorsements in rows
    ]


def skill_names(skill_ids: Sequence[int]) -> dict[int, Skill]:
    return {skill.pk: skill for skill in Skill.objects.filter(pk__in=list(skill_ids))}


def endorsement_pairs(member_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(endorser, endorsed) among these members: who vouched for whom, for a taxonomy
    skill or a free tag, in one query."""
    ids = list(member_ids)
    return {
        (endorser, skill_member or tag_member)
        for endorser, skill_member, tag_member in Endorsement.objects.filter(
            Q(member_skill__member_id__in=ids) | Q(member_free_tag__member_id__in=ids),
            endorser_id__in=ids,
        ).values_list("endorser_id", "member_skill__member_id", "member_free_tag__member_id")
    }
