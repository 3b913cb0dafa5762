"""Keep the expert index current: a change to one member's evidence (their free tags
and the endorsements of them included) re-indexes that member alone, once, after the
transaction commits; a free tag renamed or given synonyms re-indexes whoever lists it; a
change to a skill's names or synonyms (a free tag merged into it) re-indexes the members
whose texts use the words it gained or lost, everybody when such a phrase is made of
stop words only.

Matchmaking listens to the rows it reads (naming senders by label, like search):
knowledge, skills and social do not know it exists. ``bulk_create`` and
``QuerySet.update`` send no signals; whoever changes rows that way rebuilds with
``officina match_reindex`` (the demo does it in ``officina/matchmaking/demo.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from officina.knowledge.selectors import answerer_ids
from officina.matchmaking.actions import do_index_members, do_rebuild_index
from officina.matchmaking.evidence import phrase_terms
from officina.matchmaking.selectors import members_whose_texts_may_name
from officina.skills.selectors import VOCABULARY_FIELDS, free_tag_member_ids, skill_words


class _ChangedMembers(threading.local):
    def __init__(self) -> None:
        self.ids: set[int] = set()
        # A skill's phrase of stop words only changed: the index's words cannot tell
        # whose texts use it, so everybody is indexed again.
        self.everyone = False


_changed = _ChangedMembers()


class _PhrasesBefore(threading.local):
    """A skill's phrases as they were before the save under way, by skill id."""

    def __init__(self) -> None:
        self.by_skill: dict[int, tuple[str, ...]] = {}


_before = _PhrasesBefore()


def schedule_index(member_ids: Iterable[int | None]) -> None:
    ids = {member_id for member_id in member_ids if member_id is not None}
    if not ids:
        return
    _changed.ids |= ids
    # Runs at once outside a transaction; the first callback of a transaction indexes
    # everything collected, the others find nothing left.
    transaction.on_commit(_index_changed)


def _index_changed() -> None:
    ids, _changed.ids = _changed.ids, set()
    everyone, _changed.everyone = _changed.everyone, False
    if everyone:
        do_rebuild_index()
    else:
        do_index_members(ids)


def schedule_everyone() -> None:
    _changed.everyone = True
    transaction.on_commit(_index_changed)


def _member_part_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    schedule_index([instance.member_id])


def _endorsement_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    try:
        listing = (
            instance.member_skill
            if instance.member_skill_id is not None
            else instance.member_free_tag
        )
    except ObjectDoesNotExist:
        return  # deleted with its listing, whose own signal re-indexes the member
    if listing is not None:
        schedule_index([listing.member_id])


_FREE_TAG_WORDS = frozenset({"text", "key", "synonyms"})


def _free_tag_saved(
    sender: Any,
    instance: Any,
    created: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """A free tag renamed, its synonyms edited, or tags merged into it: whoever lists it
    meets others on other words now."""
    if created or (update_fields is not None and not set(update_fields) & _FREE_TAG_WORDS):
        return
    schedule_index(free_tag_member_ids(instance.pk))


def _names_change(update_fields: frozenset[str] | None) -> bool:
    return update_fields is None or bool(set(update_fields) & set(VOCABULARY_FIELDS))


def _skill_saving(
    sender: Any, instance: Any, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if instance.pk is not None and _names_change(update_fields):
        before = skill_words(instance.pk)
        _before.by_skill[instance.pk] = before.phrases if before is not None else ()


def _skill_saved(
    sender: Any, instance: Any, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    """A skill's names or synonyms changed (edited, or a free tag merged into it): the
    members whose texts use a phrase it gained or lost now name it, or no longer do."""
    if not _names_change(update_fields):
        return
    before = set(_before.by_skill.pop(instance.pk, ()))
    after = skill_words(instance.pk)
    changed = before ^ set(after.phrases if after is not None else ())
    if any(not phrase_terms(phrase) for phrase in changed):
        schedule_everyone()
        return
    schedule_index(members_whose_texts_may_name(changed))


def _answer_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    schedule_index([instance.author_id])


def _question_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Acceptance, an edit: what the question shows of its answerers changed.
    schedule_index(answerer_ids(instance.pk))


def _question_tags_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        schedule_index(answerer_ids(instance.pk))


def connect() -> None:
    for signal, uid in ((post_save, "save"), (post_delete, "delete")):
        for label in ("social.Profile", "skills.MemberSkill", "skills.MemberFreeTag"):
            signal.connect(_member_part_changed, sender=label, dispatch_uid=f"match-{label}-{uid}")
        signal.connect(
            _endorsement_changed, sender="skills.Endorsement", dispatch_uid=f"match-e-{uid}"
        )
        signal.connect(_answer_changed, sender="knowledge.Answer", dispatch_uid=f"match-a-{uid}")
    pre_save.connect(_skill_saving, sender="skills.Skill", dispatch_uid="match-skill-saving")
    post_save.connect(_skill_saved, sender="skills.Skill", dispatch_uid="match-skill-saved")
    post_save.connect(_free_tag_saved, sender="skills.FreeTag", dispatch_uid="match-tag-saved")
    post_save.connect(_question_changed, sender="knowledge.Question", dispatch_uid="match-q-save")
    m2m_changed.connect(
        _question_tags_changed, sender="knowledge.Question_tags", dispatch_uid="match-q-tags"
    )
