"""Keep the index current when searchable rows change.

Signal receivers rather than explicit calls from the content apps: search
depends on accounts, skills, social and knowledge, never the other way round
(see docs/architecture.md), so those apps cannot call into search without a
cycle. Here search listens to the rows it indexes. Each change is re-indexed
only after the transaction commits (``on_commit``): a rolled-back change never
reaches the index, and the index write never lengthens the writer's lock.

``bulk_create`` and ``QuerySet.update`` send no signals: code that changes
many rows that way (the demo loader, imports) rebuilds the index afterwards
(``officina reindex``; ``officina demo`` does it in officina/search/demo.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from officina.accounts.models import Company, CompanyMembership, Member
from officina.knowledge.models import Question
from officina.search.actions import do_index_objects
from officina.search.models import DocumentKind
from officina.skills.models import MemberSkill
from officina.social.models import Post, Profile


def schedule_reindex(kind: str, object_id: int | None) -> None:
    if object_id is None:
        return
    transaction.on_commit(lambda: do_index_objects(kind, [object_id]))


# A member's document shows their name; saves of other fields (every login writes
# last_login) leave it as it is.
MEMBER_FIELDS_IN_DOCUMENT = frozenset({"first_name", "last_name", "email", "is_active"})


def _member_changed(
    sender: Any, instance: Member, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if update_fields is not None and not (set(update_fields) & MEMBER_FIELDS_IN_DOCUMENT):
        return
    schedule_reindex(DocumentKind.MEMBER, instance.pk)


def _member_part_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A profile, a skill or a company membership is part of the member's document."""
    schedule_reindex(DocumentKind.MEMBER, instance.member_id)


def _company_changed(sender: Any, instance: Company, **kwargs: Any) -> None:
    schedule_reindex(DocumentKind.COMPANY, instance.pk)
    # Its people's documents name the company too.
    member_ids = list(
        CompanyMembership.objects.filter(company_id=instance.pk).values_list("member_id", flat=True)
    )
    if member_ids:
        transaction.on_commit(lambda: do_index_objects(DocumentKind.MEMBER, member_ids))


def _question_changed(sender: Any, instance: Question, **kwargs: Any) -> None:
    schedule_reindex(DocumentKind.QUESTION, instance.pk)


def _question_tags_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Question):
        schedule_reindex(DocumentKind.QUESTION, instance.pk)


def _post_changed(sender: Any, instance: Post, **kwargs: Any) -> None:
    schedule_reindex(DocumentKind.POST, instance.pk)


def connect() -> None:
    for signal in (post_save, post_delete):
        uid = (signal is post_save and "save") or "delete"
        signal.connect(_member_changed, sender=Member, dispatch_uid=f"search-member-{uid}")
        for model in (Profile, MemberSkill, CompanyMembership):
            signal.connect(
                _member_part_changed,
                sender=model,
                dispatch_uid=f"search-{model._meta.label_lower}-{uid}",
            )
        signal.connect(_company_changed, sender=Company, dispatch_uid=f"search-company-{uid}")
        signal.connect(_question_changed, sender=Question, dispatch_uid=f"search-question-{uid}")
        signal.connect(_post_changed, sender=Post, dispatch_uid=f"search-post-{uid}")
    m2m_changed.connect(
        _question_tags_changed, sender=Question.tags.through, dispatch_uid="search-question-tags"
    )
