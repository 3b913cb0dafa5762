"""Writes: keep the expert index current, member by member; invite a member to answer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from officina.accounts.selectors import community_members, is_visible_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.selectors import (
    AnswerEvidence,
    answer_evidence,
    answerer_ids,
    may_see_question,
)
from officina.matchmaking.counts import IndexState, do_add_difference, do_recount
from officina.matchmaking.evidence import member_evidence, skill_strength, spotter_of
from officina.matchmaking.models import AnswerInvitation, EvidenceSize, EvidenceSkill, EvidenceTerm
from officina.notifications.actions import do_notify
from officina.skills.selectors import Holding, holdings_of, skill_vocabulary
from officina.social.selectors import profile_texts

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.knowledge.models import Question

# Members indexed per round of queries when the whole index is rebuilt.
REBUILD_BATCH = 500


@transaction.atomic
def do_index_members(member_ids: Iterable[int]) -> int:
    """Rewrite the index rows of these members (and only theirs); return how many."""
    ids = sorted(set(member_ids))
    if not ids:
        return 0
    spotter = spotter_of(tuple(skill_vocabulary()))
    profiles = profile_texts(ids)
    holdings: dict[int, list[Holding]] = {}
    for holding in holdings_of(ids):
        holdings.setdefault(holding.member_id, []).append(holding)
    answers: dict[int, list[AnswerEvidence]] = {}
    for answer in answer_evidence(member_ids=ids):
        answers.setdefault(answer.member_id, []).append(answer)
    before = IndexState.stored(ids)
    EvidenceTerm.objects.filter(member_id__in=ids).delete()
    EvidenceSkill.objects.filter(member_id__in=ids).delete()
    EvidenceSize.objects.filter(member_id__in=ids).delete()
    terms, skills, sizes = [], [], []
    for member_id in ids:
        evidence = member_evidence(
            profiles.get(member_id, ""),
            holdings.get(member_id, []),
            answers.get(member_id, []),
            spotter,
        )
        if not evidence.terms and not evidence.skills:
            continue
        terms += [
            EvidenceTerm(member_id=member_id, term=term[:40], count=count)
            for term, count in evidence.terms.items()
        ]
        skills += [
            EvidenceSkill(
                member_id=member_id,
                skill_id=skill_id,
                weight=weight,
                answers=evidence.answers_by_skill[skill_id],
                accepted=evidence.accepted_by_skill[skill_id],
                strength=skill_strength(
                    weight,
                    evidence.answers_by_skill[skill_id],
                    evidence.accepted_by_skill[skill_id],
                ),
            )
            for skill_id, weight in evidence.skills.items()
        ]
        sizes.append(
            EvidenceSize(
                member_id=member_id,
                length=evidence.length,
                answers=evidence.answers,
                accepted=evidence.accepted,
            )
        )
    EvidenceTerm.objects.bulk_create(terms, batch_size=2000)
    EvidenceSkill.objects.bulk_create(skills, batch_size=2000)
    EvidenceSize.objects.bulk_create(sizes, batch_size=2000)
    do_add_difference(before, IndexState.of_rows(terms, skills, sizes))
    return len(ids)


def do_index_question_answerers(question_id: int) -> int:
    """A question's words or tags changed: its answerers' evidence did too."""
    return do_index_members(answerer_ids(question_id))


def do_rebuild_index() -> int:
    """Index every community member (after bulk imports, which send no signals)."""
    ids = list(community_members().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), REBUILD_BATCH):
        do_index_members(ids[start : start + REBUILD_BATCH])
    # Rows written in bulk elsewhere (an import) are counted too.
    do_recount()
    return len(ids)


def check_invite_to_answer(asker: Member, question: Question, member: Member) -> AnswerInvitation:
    """The asker invites ``member`` to answer; ``question`` comes from knowledge's access."""
    if question.author_id != asker.pk:
        raise OfficinaError(
            _("Only the asker can invite people to answer."), ErrorCode.PERMISSION_DENIED
        )
    if member.pk == asker.pk:
        raise OfficinaError.invalid_input(_("You cannot invite yourself."))
    if not is_visible_member(member):
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    if not may_see_question(member, question):
        # A space's question: inviting someone outside it would show them its title.
        raise OfficinaError.invalid_input(_("They cannot see this question."))
    if member.pk in answerer_ids(question.pk):
        raise OfficinaError(_("They have answered already."), ErrorCode.CONFLICT)
    return do_invite_to_answer(asker, question, member)


@transaction.atomic
def do_invite_to_answer(asker: Member, question: Question, member: Member) -> AnswerInvitation:
    try:
        with transaction.atomic():
            invitation = AnswerInvitation.objects.create(
                question=question, member=member, invited_by=asker
            )
    except IntegrityError as error:
        raise OfficinaError(_("You invited them already."), ErrorCode.CONFLICT) from error
    with override(member.language or None):
        text = _("%(name)s invites you to answer “%(title)s”.") % {
            "name": asker.display_name,
            "title": question.title,
        }
        do_notify(
            member,
            "matchmaking.invitation",
            actor=asker,
            text=str(text),
            url=question.get_absolute_url(),
        )
    return invitation
