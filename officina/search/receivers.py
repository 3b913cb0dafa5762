"""Keep the index current when searchable rows change.

Signal receivers rather than explicit calls from the content apps: search
depends on accounts, skills, social and knowledge, never the other way round
(see docs/architecture.md), so those apps cannot call into search without a
cycle. Here search listens to the rows it indexes, naming each sender by its
"app_label.Model" string, which Django resolves once the apps are ready: search
never imports another app's models. Each change is re-indexed only after the
transaction commits (``on_commit``): a rolled-back change never reaches the
index, and the index write never lengthens the writer's lock. A transaction
collects the documents it changed and re-indexes each once when it commits: a
member's document is rebuilt once however many of its parts (profile, skills,
companies) the transaction saved.

``bulk_create`` and ``QuerySet.update`` send no signals: code that changes
many rows that way (the demo loader, imports) rebuilds the index afterwards
(``officina reindex``; ``officina demo`` does it in officina/search/demo.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from officina.accounts.selectors import company_member_ids
from officina.knowledge.selectors import question_ids_tagged
from officina.search.actions import do_index_objects
from officina.search.kinds import DocumentKind
from officina.skills.selectors import free_tag_member_ids, skill_member_ids

# The rows that make up a member's document besides the member's own: their profile,
# skills, free tags and company memberships.
MEMBER_PARTS = (
    "social.Profile",
    "skills.MemberSkill",
    "skills.MemberFreeTag",
    "accounts.CompanyMembership",
)
# The through table of ``Question.tags``.
QUESTION_TAGS = "knowledge.Question_tags"


class _ChangedDocuments(threading.local):
    """The documents that the current thread's transaction changed, by kind."""

    def __init__(self) -> None:
        self.transaction: object | None = None
        self.ids_by_kind: dict[str, set[int]] = {}


_changed = _ChangedDocuments()


def schedule_reindex(kind: str, object_ids: Iterable[int | None]) -> None:
    """Re-index these documents when the transaction commits (now, outside one)."""
    ids = {object_id for object_id in object_ids if object_id is not None}
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        do_index_objects(kind, ids)
        return
    outermost = connection.atomic_blocks[0]
    if _changed.transaction is not outermost:
        # Left by a transaction that rolled back, so nothing of it is to be indexed.
        _changed.transaction, _changed.ids_by_kind = outermost, {}
    _changed.ids_by_kind.setdefault(kind, set()).update(ids)
    # One callback per change, not per transaction: a savepoint that rolls back drops the
    # callbacks registered inside it, and the change may be saved again after it. The
    # first callback to run indexes everything collected; the others find nothing left.
    transaction.on_commit(_index_changed_documents)


def _index_changed_documents() -> None:
    ids_by_kind, _changed.ids_by_kind = _changed.ids_by_kind, {}
    _changed.transaction = None
    for kind, ids in ids_by_kind.items():
        do_index_objects(kind, ids)


# A member's document shows their name; saves of other fields (every login writes
# last_login) leave it as it is.
MEMBER_FIELDS_IN_DOCUMENT = frozenset({"first_name", "last_name", "email", "is_active", "is_guest"})


def _member_changed(
    sender: Any, instance: Any, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if update_fields is not None and not (set(update_fields) & MEMBER_FIELDS_IN_DOCUMENT):
        return
    schedule_reindex(DocumentKind.MEMBER, [instance.pk])


def _member_part_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A profile, a skill or a company membership is part of the member's document."""
    schedule_reindex(DocumentKind.MEMBER, [instance.member_id])


def _company_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    schedule_reindex(DocumentKind.COMPANY, [instance.pk])
    # Its people's documents name the company too.
    schedule_reindex(DocumentKind.MEMBER, company_member_ids(instance.pk))


def _free_tag_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A renamed free tag: the documents of whoever lists it show its text. (A deleted
    tag's listings go with it, each re-indexing its member.)"""
    schedule_reindex(DocumentKind.MEMBER, free_tag_member_ids(instance.pk))


# A skill's names are shown by the documents of its listers and of the questions tagged
# with it (its synonyms are in no document).
SKILL_NAMES = ("name_en", "name_it")


class _NamesBefore(threading.local):
    def __init__(self) -> None:
        self.by_skill: dict[int, tuple[str, str]] = {}


_names_before = _NamesBefore()


def _names_saved(update_fields: frozenset[str] | None) -> bool:
    return update_fields is None or bool(set(update_fields) & set(SKILL_NAMES))


def _skill_saving(
    sender: Any, instance: Any, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if instance.pk is None or not _names_saved(update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list(*SKILL_NAMES).first()
    if stored is not None:
        _names_before.by_skill[instance.pk] = stored


def _skill_saved(
    sender: Any, instance: Any, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    """A skill renamed (in the admin): the documents holding its old name hold the new."""
    before = _names_before.by_skill.pop(instance.pk, None)
    if before is None or before == tuple(getattr(instance, name) for name in SKILL_NAMES):
        return
    schedule_reindex(DocumentKind.MEMBER, skill_member_ids(instance.pk))
    schedule_reindex(DocumentKind.QUESTION, question_ids_tagged(instance.pk))


def _question_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    schedule_reindex(DocumentKind.QUESTION, [instance.pk])


def _question_tags_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    # ``reverse`` is a change made from the skill's side: ``instance`` is then a skill.
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        schedule_reindex(DocumentKind.QUESTION, [instance.pk])


def _post_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    schedule_reindex(DocumentKind.POST, [instance.pk])


def connect() -> None:
    for signal in (post_save, post_delete):
        uid = (signal is post_save and "save") or "delete"
        signal.connect(
            _member_changed, sender="accounts.Member", dispatch_uid=f"search-member-{uid}"
        )
        for label in MEMBER_PARTS:
            signal.connect(
                _member_part_changed, sender=label, dispatch_uid=f"search-{label.lower()}-{uid}"
            )
        signal.connect(
            _company_changed, sender="accounts.Company", dispatch_uid=f"search-company-{uid}"
        )
        signal.connect(
            _question_changed, sender="knowledge.Question", dispatch_uid=f"search-question-{uid}"
        )
        signal.connect(_post_changed, sender="social.Post", dispatch_uid=f"search-post-{uid}")
    post_save.connect(_free_tag_changed, sender="skills.FreeTag", dispatch_uid="search-free-tag")
    pre_save.connect(_skill_saving, sender="skills.Skill", dispatch_uid="search-skill-saving")
    post_save.connect(_skill_saved, sender="skills.Skill", dispatch_uid="search-skill-saved")
    m2m_changed.connect(
        _question_tags_changed, sender=QUESTION_TAGS, dispatch_uid="search-question-tags"
    )
