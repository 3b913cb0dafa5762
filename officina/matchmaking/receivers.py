"""Keep the expert index current: a change to one member's evidence re-indexes that
member alone, once, after the transaction commits; a change to a skill's names or
synonyms (a free tag merged into it) re-indexes the members whose texts use the words
it gained or lost.

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
from officina.matchmaking.actions import do_index_members
from officina.matchmaking.selectors import members_whose_texts_may_name
from officina.skills.selectors import VOCABULARY_FIELDS, skill_words


class _ChangedMembers(threading.local):
    def __init__(self) -> None:
        self.ids: set[int] = set()


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
    do_index_members(ids)


def _member_part_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    schedule_index([instance.member_id])


def _endorsement_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.member_skill_id is None:
        return  # a free tag's: the index knows the taxonomy's skills only
    try:
        member_skill = instance.member_skill
    except ObjectDoesNotExist:
        return  # deleted with its member skill, whose own signal re-indexes the member
    schedule_index([member_skill.member_id])


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
        for label in ("social.Profile", "skills.MemberSkill"):
            signal.connect(_member_part_changed, sender=label, dispatch_uid=f"match-{label}-{uid}")
        signal.connect(
            _endorsement_changed, sender="skills.Endorsement", dispatch_uid=f"match-e-{uid}"
        )
        signal.connect(_answer_changed, sender="knowledge.Answer", dispatch_uid=f"match-a-{uid}")
    pre_save.connect(_skill_saving, sender="skills.Skill", dispatch_uid="match-skill-saving")
    post_save.connect(_skill_saved, sender="skills.Skill", dispatch_uid="match-skill-saved")
    post_save.connect(_question_changed, sender="knowledge.Question", dispatch_uid="match-q-save")
    m2m_changed.connect(
        _question_tags_changed, sender="knowledge.Question_tags", dispatch_uid="match-q-tags"
    )
