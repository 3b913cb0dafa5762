"""Writes: a member's skills, endorsements, and evidence recorded by other apps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.actions import Notice, do_notify_many
from officina.notifications.wording import InEachLanguage
from officina.skills.folding import folded
from officina.skills.kinds import EvidenceSource, SkillCategory, SkillKind, SkillLevel
from officina.skills.models import (
    ENDORSABLE_KINDS,
    Endorsement,
    FreeTag,
    MemberFreeTag,
    MemberSkill,
    Skill,
    SkillEvidence,
    StatedEvidence,
)
from officina.skills.selectors import free_tags_merged_from, skill_named

if TYPE_CHECKING:
    from officina.accounts.models import Member

MAX_SKILLS_PER_KIND = 30
MAX_SYNONYMS = 20
# Free tags are for what the taxonomy lacks; more than this is a list the taxonomy
# should learn from instead (a manager merges them).
MAX_FREE_TAGS = 10
# Evidence a member states for one skill or free tag: a few links or notes, the best ones;
# a portfolio is one link. A merge may leave more (nothing the members wrote is lost).
MAX_STATED_EVIDENCE = 5
MAX_EVIDENCE_URL = 500
MAX_EVIDENCE_TEXT = 200


@dataclass(frozen=True, slots=True)
class TaxonomyEntry:
    slug: str
    name_en: str
    name_it: str
    category: str
    synonyms: tuple[str, ...] = ()


def check_add_to_taxonomy(entries: Sequence[TaxonomyEntry]) -> list[Skill]:
    """Add skills to the shared taxonomy (a curated list, an import); all or nothing."""
    slugs = [entry.slug for entry in entries]
    for entry in entries:
        if not entry.slug or entry.slug != slugify(entry.slug) or len(entry.slug) > 80:
            raise OfficinaError.invalid_input(_("Use lowercase letters, digits and hyphens."))
        if not entry.name_en.strip() or not entry.name_it.strip():
            raise OfficinaError.invalid_input(_("A skill needs a name in both languages."))
        if max(len(entry.name_en.strip()), len(entry.name_it.strip())) > 80:
            raise OfficinaError.invalid_input(_("The name is too long (80 characters at most)."))
        if entry.category not in SkillCategory.values:
            raise OfficinaError.invalid_input(_("Unknown category."))
        if len(entry.synonyms) > MAX_SYNONYMS or any(
            not synonym.strip() or len(synonym.strip()) > 80 for synonym in entry.synonyms
        ):
            raise OfficinaError.invalid_input(
                _("A skill has at most %(count)d synonyms of 1 to 80 characters each.")
                % {"count": MAX_SYNONYMS}
            )
    if len(set(slugs)) != len(slugs) or Skill.objects.filter(slug__in=slugs).exists():
        raise OfficinaError(_("This skill is already in the taxonomy."), ErrorCode.CONFLICT)
    return do_add_to_taxonomy(entries)


@transaction.atomic
def do_add_to_taxonomy(entries: Sequence[TaxonomyEntry]) -> list[Skill]:
    return Skill.objects.bulk_create(
        [
            Skill(
                slug=entry.slug,
                name_en=entry.name_en.strip(),
                name_it=entry.name_it.strip(),
                category=entry.category,
                synonyms=list(dict.fromkeys(synonym.strip().lower() for synonym in entry.synonyms)),
            )
            for entry in entries
        ]
    )


@dataclass(frozen=True, slots=True)
class SkillListing:
    """One line of a member's skills: the skill, as what, how well, and a note."""

    skill: Skill
    kind: str
    level: int | None = None
    note: str = ""


def check_add_member_skill(
    member: Member, skill: Skill, kind: str, *, level: int | None = None, note: str = ""
) -> MemberSkill:
    """Validate, then add ``skill`` to the member's list of ``kind`` (or update it)."""
    (listing,) = _checked_listings(member, [SkillListing(skill, kind, level, note)])
    return do_add_member_skill(member, skill, kind, level=listing.level, note=listing.note)


def check_add_member_skills(member: Member, listings: Sequence[SkillListing]) -> list[MemberSkill]:
    """Validate every listing, then add them all (or update those already listed).

    One bad listing, or one kind going over its limit, changes nothing. Like every
    bulk insert it sends no signals: the search index catches up with ``officina
    reindex``.
    """
    return do_add_member_skills(member, _checked_listings(member, listings))


def _check_listing_fields(kind: str, level: int | None, note: str) -> None:
    if kind not in SkillKind.values:
        raise OfficinaError.invalid_input(_("Unknown kind of skill."))
    if level is not None and level not in SkillLevel.values:
        raise OfficinaError.invalid_input(_("Unknown level."))
    if len(note) > 200:
        raise OfficinaError.invalid_input(_("The note is too long (200 characters at most)."))


def _checked_listings(member: Member, listings: Sequence[SkillListing]) -> list[SkillListing]:
    for listing in listings:
        _check_listing_fields(listing.kind, listing.level, listing.note)
    stored = {
        (kind, skill_id): (level, note)
        for kind, skill_id, level, note in MemberSkill.objects.filter(member=member).values_list(
            "kind", "skill_id", "level", "note"
        )
    }
    listed = set(stored)
    new_entries = {(listing.kind, listing.skill.pk) for listing in listings} - listed
    per_kind = Counter(kind for kind, _skill_id in listed | new_entries)
    if any(per_kind[kind] > MAX_SKILLS_PER_KIND for kind, _skill_id in new_entries):
        raise OfficinaError(
            _("You already have %(count)d entries of this kind.") % {"count": MAX_SKILLS_PER_KIND},
            ErrorCode.CONFLICT,
        )
    # Listing a skill again without a level or a note (a picker that asks for neither)
    # keeps the ones it has: only what is stated changes.
    kept = []
    for listing in listings:
        level, note = stored.get((listing.kind, listing.skill.pk), (None, ""))
        kept.append(
            replace(
                listing,
                level=listing.level if listing.level is not None else level,
                note=listing.note.strip() or note,
            )
        )
    return kept


@transaction.atomic
def do_add_member_skill(
    member: Member, skill: Skill, kind: str, *, level: int | None = None, note: str = ""
) -> MemberSkill:
    member_skill, _created = MemberSkill.objects.update_or_create(
        member=member, skill=skill, kind=kind, defaults={"level": level, "note": note}
    )
    return member_skill


@transaction.atomic
def do_add_member_skills(member: Member, listings: Sequence[SkillListing]) -> list[MemberSkill]:
    """Add or update the member's listings; the last of two equal listings wins."""
    latest = {(listing.skill.pk, listing.kind): listing for listing in listings}
    MemberSkill.objects.bulk_create(
        [
            MemberSkill(
                member=member,
                skill=listing.skill,
                kind=listing.kind,
                level=listing.level,
                note=listing.note,
            )
            for listing in latest.values()
        ],
        update_conflicts=True,
        unique_fields=["member", "skill", "kind"],
        update_fields=["level", "note"],
    )
    # Read back: on a conflict not every database reports the existing row's key.
    stored = {
        (row.skill_id, row.kind): row
        for row in MemberSkill.objects.filter(
            member=member, skill__in=[skill_id for skill_id, _kind in latest]
        ).select_related("skill")
    }
    for row in stored.values():
        row.member = member
    return [stored[(listing.skill.pk, listing.kind)] for listing in listings]


@transaction.atomic
def do_remove_member_skill(member_skill: MemberSkill) -> None:
    """Remove a listing; the evidence the member stated for the skill goes with their
    last listing of it."""
    member_skill.delete()
    if not MemberSkill.objects.filter(
        member_id=member_skill.member_id, skill_id=member_skill.skill_id
    ).exists():
        StatedEvidence.objects.filter(
            member_id=member_skill.member_id, skill_id=member_skill.skill_id
        ).delete()


def check_endorse(endorser: Member, listing: MemberSkill | MemberFreeTag) -> Endorsement:
    """Vouch for another member's skill, talent or offer: a taxonomy skill's listing or a
    free tag's, by the same rules."""
    _check_endorsement(endorser, listing)
    if Endorsement.objects.filter(_endorsed(listing), endorser=endorser).exists():
        raise OfficinaError(_("You already endorsed this skill."), ErrorCode.CONFLICT)
    return do_endorse(endorser, listing)


def _check_endorsement(endorser: Member, listing: MemberSkill | MemberFreeTag) -> None:
    if listing.member_id == endorser.pk:
        raise OfficinaError.invalid_input(_("You cannot endorse yourself."))
    if not listing.is_endorsable:
        raise OfficinaError.invalid_input(_("Only skills, talents and offers can be endorsed."))


def _endorsed(listing: MemberSkill | MemberFreeTag) -> Q:
    """The endorsements of ``listing``, whichever of the two sorts it is."""
    if isinstance(listing, MemberSkill):
        return Q(member_skill=listing)
    return Q(member_free_tag=listing)


def _endorsement(endorser: Member, listing: MemberSkill | MemberFreeTag) -> Endorsement:
    if isinstance(listing, MemberSkill):
        return Endorsement(endorser=endorser, member_skill=listing)
    return Endorsement(endorser=endorser, member_free_tag=listing)


@transaction.atomic
def do_endorse(endorser: Member, listing: MemberSkill | MemberFreeTag) -> Endorsement:
    endorsement = _endorsement(endorser, listing)
    try:
        # A savepoint: a concurrent duplicate must not break the caller's transaction.
        with transaction.atomic():
            endorsement.save()
    except IntegrityError as error:
        raise OfficinaError(_("You already endorsed this skill."), ErrorCode.CONFLICT) from error
    do_notify_many([_endorsement_notice(endorser, listing)])
    return endorsement


def _endorsement_notice(endorser: Member, listing: MemberSkill | MemberFreeTag) -> Notice:
    recipient = listing.member
    # A skill by both names: the recipient reads it in the language they read in then. A
    # free tag has the one text its members wrote.
    skill: str | InEachLanguage = (
        InEachLanguage({"en": listing.skill.name_en, "it": listing.skill.name_it})
        if isinstance(listing, MemberSkill)
        else listing.tag.text
    )
    return Notice(
        recipient,
        "skills.endorsement",
        _("%(name)s endorsed your skill “%(skill)s”."),
        actor=endorser,
        url=reverse("social:profile", args=[recipient.pk]),
        params={"name": endorser.display_name, "skill": skill},
    )


def check_endorse_many(endorsements: Sequence[tuple[Member, MemberSkill]]) -> list[Endorsement]:
    """Record many endorsements at once (an import), each checked like :func:`check_endorse`.

    One refused endorsement (yourself, a need, one given already) records none.
    """
    for endorser, member_skill in endorsements:
        _check_endorsement(endorser, member_skill)
    pairs = [(endorser.pk, member_skill.pk) for endorser, member_skill in endorsements]
    skill_ids = sorted({member_skill_id for _endorser_id, member_skill_id in pairs})
    given = {
        pair
        for start in range(0, len(skill_ids), 500)
        for pair in Endorsement.objects.filter(
            member_skill__in=skill_ids[start : start + 500]
        ).values_list("endorser_id", "member_skill_id")
    }
    if len(set(pairs)) != len(pairs) or given & set(pairs):
        raise OfficinaError(_("You already endorsed this skill."), ErrorCode.CONFLICT)
    return do_endorse_many(endorsements)


@transaction.atomic
def do_endorse_many(endorsements: Sequence[tuple[Member, MemberSkill]]) -> list[Endorsement]:
    created = Endorsement.objects.bulk_create(
        [
            Endorsement(endorser=endorser, member_skill=member_skill)
            for endorser, member_skill in endorsements
        ],
        batch_size=500,
    )
    do_notify_many(
        [_endorsement_notice(endorser, member_skill) for endorser, member_skill in endorsements]
    )
    return created


@transaction.atomic
def do_withdraw_endorsement(endorser: Member, listing: MemberSkill | MemberFreeTag) -> bool:
    deleted, _rows = Endorsement.objects.filter(_endorsed(listing), endorser=endorser).delete()
    return deleted > 0


@transaction.atomic
def do_record_skill_evidence(
    member: Member,
    skills: Iterable[Skill],
    source_kind: str,
    source_id: int,
    url: str = "",
) -> int:
    """Record that ``member`` showed ``skills`` in ``source`` (idempotent); return new rows.

    Called by other apps, e.g. knowledge when an answer is accepted. A skill shown
    in practice is also added to the member's skills if they had not listed it.
    """
    if source_kind not in EvidenceSource.values:
        raise OfficinaError.invalid_input(_("Unknown evidence source."))
    skill_list = list({skill.pk: skill for skill in skills}.values())
    if not skill_list:
        return 0
    already = set(
        SkillEvidence.objects.filter(
            member=member, source_kind=source_kind, source_id=source_id
        ).values_list("skill_id", flat=True)
    )
    new_rows = [
        SkillEvidence(
            member=member, skill=skill, source_kind=source_kind, source_id=source_id, url=url
        )
        for skill in skill_list
        if skill.pk not in already
    ]
    SkillEvidence.objects.bulk_create(new_rows, ignore_conflicts=True)
    MemberSkill.objects.bulk_create(
        [MemberSkill(member=member, skill=skill, kind=SkillKind.SKILL) for skill in skill_list],
        ignore_conflicts=True,
    )
    return len(new_rows)


@transaction.atomic
def do_withdraw_skill_evidence(source_kind: str, source_id: int) -> int:
    """Forget the evidence of a source (e.g. an answer no longer accepted)."""
    deleted, _rows = SkillEvidence.objects.filter(
        source_kind=source_kind, source_id=source_id
    ).delete()
    return deleted


def _checked_tag_text(text: str) -> str:
    text = " ".join(text.split())
    if len(text) < 2 or len(text) > 80:
        raise OfficinaError.invalid_input(_("A free tag has 2 to 80 characters."))
    return text


@dataclass(frozen=True, slots=True)
class Listed:
    """What a typed text became: a listing of the taxonomy skill it names, or of a free
    tag."""

    listing: MemberSkill | MemberFreeTag
    skill: Skill | None
    tag: FreeTag | None


def check_add_free_tag(
    member: Member,
    text: str,
    kind: str,
    language: str,
    *,
    level: int | None = None,
    note: str = "",
) -> Listed:
    """List what the member typed: the taxonomy skill it names (by a name or a synonym
    in either language, merged tags' texts included), or else a free tag in the
    language it was written in (a new one, or the one others wrote the same way), or
    the free tag a tag written that way was merged into."""
    text = _checked_tag_text(text)
    if language not in dict(settings.LANGUAGES):
        raise OfficinaError.invalid_input(_("Unknown language."))
    skill = skill_named(text)
    if skill is not None:
        row = check_add_member_skill(member, skill, kind, level=level, note=note)
        return Listed(row, skill, None)
    _check_listing_fields(kind, level, note)
    listed = set(MemberFreeTag.objects.filter(member=member).values_list("tag_id", flat=True))
    tag = FreeTag.objects.filter(key=folded(text), language=language).first()
    if tag is None:
        merged_into = free_tags_merged_from(folded(text))
        tag = FreeTag.objects.filter(pk__in=merged_into[:1]).first()
    if (tag is None or tag.pk not in listed) and len(listed) >= MAX_FREE_TAGS:
        raise OfficinaError(
            _("You already have %(count)d free tags.") % {"count": MAX_FREE_TAGS},
            ErrorCode.CONFLICT,
        )
    listing = do_add_free_tag(member, text, kind, language, level=level, note=note.strip(), tag=tag)
    return Listed(listing, None, listing.tag)


@transaction.atomic
def do_add_free_tag(
    member: Member,
    text: str,
    kind: str,
    language: str,
    *,
    level: int | None = None,
    note: str = "",
    tag: FreeTag | None = None,
) -> MemberFreeTag:
    """List ``tag``, or else the free tag of ``text`` in ``language``, made if new."""
    if tag is None:
        # get_or_create: two members typing the same new tag at once make one tag.
        tag, _created = FreeTag.objects.get_or_create(
            key=folded(text), language=language, defaults={"text": text}
        )
    stored = MemberFreeTag.objects.filter(member=member, tag=tag, kind=kind).first()
    if stored is not None:
        # Like a skill listed again: only what is stated changes.
        stored.level = level if level is not None else stored.level
        stored.note = note or stored.note
        stored.save(update_fields=["level", "note"])
        return stored
    return MemberFreeTag.objects.create(member=member, tag=tag, kind=kind, level=level, note=note)


@transaction.atomic
def do_remove_free_tag(listing: MemberFreeTag) -> None:
    """Remove a member's listing (with the evidence they stated for the tag, when it was
    their last listing of it); a tag nobody lists any more goes too."""
    tag_id = listing.tag_id
    listing.delete()
    if not MemberFreeTag.objects.filter(member_id=listing.member_id, tag_id=tag_id).exists():
        StatedEvidence.objects.filter(member_id=listing.member_id, tag_id=tag_id).delete()
    FreeTag.objects.filter(pk=tag_id, listings__isnull=True).delete()


@dataclass(frozen=True, slots=True)
class MergedTag:
    """What a merge did: listings moved to the skill, and those folded into a listing
    the member had already (one row kept, the better level)."""

    skill: Skill
    moved: int
    folded: int
    synonym: str


@transaction.atomic
def do_merge_free_tag(tag: FreeTag, skill: Skill) -> MergedTag:
    """Move the tag's listings to ``skill``, make its text a synonym of the skill in the
    tag's language, and delete the tag.

    A member who listed both, as the same kind, keeps one row: the higher of the two
    levels, the skill's note unless it had none, the endorsements of both (one per
    endorser). Each row is saved on its own (no bulk
    update) so that the indexes that follow member skills by their signals (search,
    matchmaking) re-index exactly these members when the merge commits.
    """
    # Locked: two managers merging the same tag at once must not both move its rows.
    tag = FreeTag.objects.select_for_update().get(pk=tag.pk)
    skill = Skill.objects.select_for_update().get(pk=skill.pk)
    listings = list(MemberFreeTag.objects.filter(tag=tag).order_by("member_id", "kind"))
    existing = {
        (row.member_id, row.kind): row
        for row in MemberSkill.objects.filter(
            skill=skill, member_id__in=[listing.member_id for listing in listings]
        )
    }
    moved = folded_count = 0
    for listing in listings:
        row = existing.get((listing.member_id, listing.kind))
        if row is None:
            row = MemberSkill.objects.create(
                member_id=listing.member_id,
                skill=skill,
                kind=listing.kind,
                level=listing.level,
                note=listing.note,
            )
            moved += 1
        else:
            _fold_listing(listing, into=row)
            folded_count += 1
        _move_endorsements(listing, into=row)
    # The tag's text, and the texts merged into it before, become the skill's synonyms.
    known = {folded(phrase) for phrase in (skill.name_en, skill.name_it, *skill.all_synonyms)}
    learnt = _new_texts(tag.texts, known)
    if learnt:
        synonyms = dict(skill.tag_synonyms or {})
        synonyms[tag.language] = [
            *synonyms.get(tag.language, []),
            *(text.lower() for text in learnt),
        ]
        skill.tag_synonyms = synonyms
        skill.save(update_fields=["tag_synonyms"])
    _move_stated_evidence(tag, skill=skill)
    tag.delete()
    return MergedTag(skill=skill, moved=moved, folded=folded_count, synonym=tag.text.lower())


def _fold_listing(listing: MemberFreeTag, *, into: MemberSkill | MemberFreeTag) -> None:
    """A member listed both as the same kind: one row stays, with the higher of the two
    levels and its own note unless it had none."""
    levels = [level for level in (into.level, listing.level) if level is not None]
    into.level = max(levels) if levels else None
    into.note = into.note or listing.note
    into.save(update_fields=["level", "note"])


def _move_endorsements(listing: MemberFreeTag, *, into: MemberSkill | MemberFreeTag) -> None:
    """The endorsements of a merged tag's listing vouch for the listing it became; an
    endorser who vouched for both counts once. Saved one by one, like the listings."""
    given = set(Endorsement.objects.filter(_endorsed(into)).values_list("endorser_id", flat=True))
    for endorsement in Endorsement.objects.filter(member_free_tag=listing).order_by("pk"):
        if endorsement.endorser_id in given:
            endorsement.delete()
            continue
        given.add(endorsement.endorser_id)
        if isinstance(into, MemberSkill):
            endorsement.member_skill, endorsement.member_free_tag = into, None
        else:
            endorsement.member_skill, endorsement.member_free_tag = None, into
        endorsement.save(update_fields=["member_skill", "member_free_tag"])


def _move_stated_evidence(
    tag: FreeTag, *, skill: Skill | None = None, into: FreeTag | None = None
) -> None:
    """What members stated as evidence of ``tag`` now proves the skill or the tag it is
    merged into; a link or note a member gave for that one already is not doubled."""
    target = Q(skill=skill) if skill is not None else Q(tag=into)
    for row in StatedEvidence.objects.filter(tag=tag).order_by("pk"):
        if StatedEvidence.objects.filter(
            target, member_id=row.member_id, url=row.url, text=row.text
        ).exists():
            row.delete()
            continue
        row.skill, row.tag = skill, into
        row.save(update_fields=["skill", "tag"])


@dataclass(frozen=True, slots=True)
class MergedTags:
    """What merging several free tags did: how many members listed one of them (each
    now lists the target instead)."""

    members: int


def check_merge_free_tags(
    tags: Sequence[FreeTag], *, into_tag: FreeTag | None = None, into_skill: Skill | None = None
) -> MergedTags:
    """Merge free tags into one of them or into a taxonomy skill (the admin's action):
    exactly one target; a tag merged into itself is left as it is."""
    if (into_tag is None) == (into_skill is None):
        raise OfficinaError.invalid_input(
            _("Choose one target: a free tag or a skill of the list.")
        )
    sources = [tag for tag in tags if into_tag is None or tag.pk != into_tag.pk]
    if not sources:
        raise OfficinaError.invalid_input(_("Select at least one other free tag to merge."))
    if into_skill is not None:
        return do_merge_free_tags_into_skill(sources, into_skill)
    assert into_tag is not None
    return do_merge_free_tags_into_tag(sources, into_tag)


@transaction.atomic
def do_merge_free_tags_into_skill(tags: Sequence[FreeTag], skill: Skill) -> MergedTags:
    """Each tag merged as :func:`do_merge_free_tag` does: every text a synonym of the
    skill, each member's listings folded into one row per kind."""
    members = set(
        MemberFreeTag.objects.filter(tag__in=list(tags)).values_list("member_id", flat=True)
    )
    for tag in sorted(tags, key=lambda tag: tag.pk):
        do_merge_free_tag(tag, skill)
    return MergedTags(members=len(members))


@transaction.atomic
def do_merge_free_tags_into_tag(tags: Sequence[FreeTag], target: FreeTag) -> MergedTags:
    """Move the tags' listings to ``target`` (one row per member and kind, the better
    level, the target's note unless it had none, the endorsements of both, one per
    endorser) with the evidence members stated, and
    delete the tags. Rows are saved one by one: search re-indexes exactly these members
    when the merge commits."""
    # Locked in key order: two merges of overlapping tags wait for each other.
    locked = list(
        FreeTag.objects.select_for_update()
        .filter(pk__in=[*(tag.pk for tag in tags), target.pk])
        .order_by("pk")
    )
    sources = [tag for tag in locked if tag.pk != target.pk]
    existing = {(row.member_id, row.kind): row for row in MemberFreeTag.objects.filter(tag=target)}
    members = set()
    for listing in MemberFreeTag.objects.filter(tag__in=sources).order_by("member_id", "pk"):
        members.add(listing.member_id)
        row = existing.get((listing.member_id, listing.kind))
        if row is None:
            listing.tag = target
            listing.save(update_fields=["tag"])
            existing[(listing.member_id, listing.kind)] = listing
            continue
        _fold_listing(listing, into=row)
        _move_endorsements(listing, into=row)
        listing.delete()
    for source in sources:
        _move_stated_evidence(source, into=target)
        source.delete()
    # The merged tags' texts (and those merged into them before) stay the target's
    # synonyms: saved last, so that its members, the moved ones included, are re-indexed.
    kept = next(tag for tag in locked if tag.pk == target.pk)
    known = {folded(text) for text in kept.texts}
    learnt = _new_texts((text for source in sources for text in source.texts), known)
    if learnt:
        kept.synonyms = [*(kept.synonyms or []), *learnt]
        kept.save(update_fields=["synonyms"])
        target.synonyms = kept.synonyms
    return MergedTags(members=len(members))


def _new_texts(texts: Iterable[str], known: set[str]) -> list[str]:
    """Those of ``texts`` that are none of the ``known`` folded texts, nor one another,
    as written; ``known`` learns them."""
    learnt = []
    for text in texts:
        key = folded(text)
        if key and key not in known:
            known.add(key)
            learnt.append(text)
    return learnt


def check_rename_free_tag(tag: FreeTag, text: str) -> FreeTag:
    """Correct a free tag's text (a typo, a better word), in the same language."""
    text = _checked_tag_text(text)
    if skill_named(text) is not None:
        raise OfficinaError(
            _("A skill of the taxonomy has this name: merge the tag into it instead."),
            ErrorCode.CONFLICT,
        )
    if FreeTag.objects.filter(key=folded(text), language=tag.language).exclude(pk=tag.pk).exists():
        raise OfficinaError(_("Another free tag has this text."), ErrorCode.CONFLICT)
    return do_rename_free_tag(tag, text)


@transaction.atomic
def do_rename_free_tag(tag: FreeTag, text: str) -> FreeTag:
    tag.text = text
    tag.key = folded(text)
    tag.save(update_fields=["text", "key"])
    return tag


def checked_free_tag_synonyms(text: str, synonyms: Iterable[str]) -> list[str]:
    """The synonyms a manager gives a free tag of ``text``, spaces tidied, as written:
    each of 2 to 80 characters, none given twice nor the tag's own text (accents and
    case aside, as a tag's key). Refused with the reason otherwise."""
    return _checked_synonyms(
        {folded(text)}, synonyms, str(_("“%(synonym)s” is the tag's own text, not a synonym."))
    )


def checked_skill_synonyms(names: Iterable[str], synonyms: Iterable[str]) -> list[str]:
    """A taxonomy skill's synonyms as a manager gives them, by the free tags' rules: each
    of 2 to 80 characters, none given twice nor one of the skill's names (accents and
    case aside)."""
    return _checked_synonyms(
        {folded(name) for name in names},
        synonyms,
        str(_("“%(synonym)s” is the skill's own name, not a synonym.")),
    )


def _checked_synonyms(own: set[str], synonyms: Iterable[str], own_message: str) -> list[str]:
    seen: set[str] = set()
    checked = []
    for synonym in synonyms:
        synonym = " ".join(synonym.split())
        if not synonym:
            continue
        if len(synonym) < 2 or len(synonym) > 80:
            raise OfficinaError.invalid_input(
                _("“%(synonym)s”: a synonym has 2 to 80 characters.") % {"synonym": synonym},
                field="synonyms",
            )
        key = folded(synonym)
        if key in own:
            raise OfficinaError.invalid_input(own_message % {"synonym": synonym}, field="synonyms")
        if key in seen:
            raise OfficinaError.invalid_input(
                _("“%(synonym)s” is given twice.") % {"synonym": synonym}, field="synonyms"
            )
        seen.add(key)
        checked.append(synonym)
    return checked


def check_set_free_tag_synonyms(tag: FreeTag, synonyms: Iterable[str]) -> FreeTag:
    """Replace the tag's synonyms (those merges left included): searching for any of
    them finds its members, typing one lists the tag."""
    return do_set_free_tag_synonyms(tag, checked_free_tag_synonyms(tag.text, synonyms))


@transaction.atomic
def do_set_free_tag_synonyms(tag: FreeTag, synonyms: list[str]) -> FreeTag:
    # Saved, not updated: search re-indexes whoever lists the tag when this commits.
    tag.synonyms = synonyms
    tag.save(update_fields=["synonyms"])
    return tag


def _checked_evidence(url: str, text: str) -> tuple[str, str]:
    url, text = url.strip(), " ".join(text.split())
    if not url and not text:
        raise OfficinaError.invalid_input(_("Give a link, a short text, or both."), field="url")
    if len(url) > MAX_EVIDENCE_URL:
        raise OfficinaError.invalid_input(
            _("The link is too long (%(count)d characters at most).") % {"count": MAX_EVIDENCE_URL},
            field="url",
        )
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as error:
            raise OfficinaError.invalid_input(
                _("Enter a web address that starts with http:// or https://."), field="url"
            ) from error
    if len(text) > MAX_EVIDENCE_TEXT:
        raise OfficinaError.invalid_input(
            _("The text is too long (%(count)d characters at most).")
            % {"count": MAX_EVIDENCE_TEXT},
            field="text",
        )
    return url, text


def check_add_stated_evidence(
    listing: MemberSkill | MemberFreeTag, url: str, text: str
) -> StatedEvidence:
    """Add a link or a short text that proves the skill (or free tag) of one of the
    member's listings; the evidence belongs to the skill, whichever of its listings
    (skill, talent, offer) it was added from."""
    url, text = _checked_evidence(url, text)
    if listing.kind not in ENDORSABLE_KINDS:
        raise OfficinaError.invalid_input(
            _("Only skills, talents and offers have evidence."), field="url"
        )
    target = _evidence_target(listing)
    stated = StatedEvidence.objects.filter(target, member_id=listing.member_id)
    if stated.filter(url=url, text=text).exists():
        raise OfficinaError(_("You gave this evidence already."), ErrorCode.CONFLICT)
    if stated.count() >= MAX_STATED_EVIDENCE:
        raise OfficinaError(
            _("You gave %(count)d pieces of evidence for this already: edit or remove one.")
            % {"count": MAX_STATED_EVIDENCE},
            ErrorCode.CONFLICT,
        )
    return do_add_stated_evidence(listing, url, text)


def _evidence_target(listing: MemberSkill | MemberFreeTag) -> Q:
    if isinstance(listing, MemberSkill):
        return Q(skill_id=listing.skill_id, tag__isnull=True)
    return Q(tag_id=listing.tag_id, skill__isnull=True)


@transaction.atomic
def do_add_stated_evidence(
    listing: MemberSkill | MemberFreeTag, url: str, text: str
) -> StatedEvidence:
    if isinstance(listing, MemberSkill):
        return StatedEvidence.objects.create(
            member_id=listing.member_id, skill_id=listing.skill_id, url=url, text=text
        )
    return StatedEvidence.objects.create(
        member_id=listing.member_id, tag_id=listing.tag_id, url=url, text=text
    )


def check_edit_stated_evidence(evidence: StatedEvidence, url: str, text: str) -> StatedEvidence:
    url, text = _checked_evidence(url, text)
    target = Q(skill_id=evidence.skill_id, tag_id=evidence.tag_id)
    if (
        StatedEvidence.objects.filter(target, member_id=evidence.member_id, url=url, text=text)
        .exclude(pk=evidence.pk)
        .exists()
    ):
        raise OfficinaError(_("You gave this evidence already."), ErrorCode.CONFLICT)
    return do_edit_stated_evidence(evidence, url, text)


@transaction.atomic
def do_edit_stated_evidence(evidence: StatedEvidence, url: str, text: str) -> StatedEvidence:
    evidence.url, evidence.text = url, text
    evidence.save(update_fields=["url", "text"])
    return evidence


@transaction.atomic
def do_remove_stated_evidence(evidence: StatedEvidence) -> None:
    evidence.delete()
