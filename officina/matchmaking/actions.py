"""Writes: keep the expert index current, member by member; invite a member to answer;
record who was shown to whom; decline a suggestion; ask for, accept and decline
introductions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from officina.accounts.selectors import community_members, is_visible_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.selectors import (
    AnswerEvidence,
    answer_evidence,
    answerer_ids,
    may_see_question,
)
from officina.matchmaking import semantic
from officina.matchmaking.counts import IndexState, do_add_difference, do_recount
from officina.matchmaking.evidence import (
    LISTED_WEIGHT,
    meet_free_tags,
    meet_tags,
    member_evidence,
    skill_strength,
    spotter_of,
)
from officina.matchmaking.kinds import IntroductionStatus
from officina.matchmaking.models import (
    AnswerInvitation,
    DeclinedSuggestion,
    EvidenceSize,
    EvidenceSkill,
    EvidenceTerm,
    EvidenceVector,
    Introduction,
    MeetFreeTag,
    MeetTag,
    Shown,
)
from officina.matchmaking.people import pair_reasons
from officina.matchmaking.timing import meeting_slot
from officina.notifications.actions import Notice, do_notify, do_notify_many
from officina.notifications.wording import ParamValue
from officina.skills.selectors import (
    FreeTagHolding,
    Holding,
    free_tag_holdings_of,
    holdings_of,
    skill_names,
    skill_vocabulary,
)
from officina.social.actions import do_start_conversation
from officina.social.selectors import profile_texts

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.knowledge.models import Question

# Members indexed per round of queries when the whole index is rebuilt.
REBUILD_BATCH = 500


def meet_free_tag_rows(member_id: int, tags: Sequence[FreeTagHolding]) -> list[MeetFreeTag]:
    """One member's ``MeetFreeTag`` rows (unsaved) for their free tag listings."""
    return [
        MeetFreeTag(
            member_id=member_id,
            tag_id=row.tag_id,
            key=row.key,
            text=row.text,
            side=row.side,
            weight=row.weight,
        )
        for row in meet_free_tags(tags)
    ]


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
    free_tags: dict[int, list[FreeTagHolding]] = {}
    for tag in free_tag_holdings_of(ids):
        free_tags.setdefault(tag.member_id, []).append(tag)
    answers: dict[int, list[AnswerEvidence]] = {}
    for answer in answer_evidence(member_ids=ids):
        answers.setdefault(answer.member_id, []).append(answer)
    # Embedding is the slow part (tens of ms a piece): done before the first write, so
    # that SQLite's write lock is not held meanwhile, and for the changed pieces only.
    vectors = (
        _vector_changes(ids, profiles, holdings, free_tags, answers)
        if semantic.available()
        else None
    )
    before = IndexState.stored(ids)
    EvidenceTerm.objects.filter(member_id__in=ids).delete()
    EvidenceSkill.objects.filter(member_id__in=ids).delete()
    EvidenceSize.objects.filter(member_id__in=ids).delete()
    MeetTag.objects.filter(member_id__in=ids).delete()
    MeetFreeTag.objects.filter(member_id__in=ids).delete()
    terms, skills, sizes, tags, tag_rows = [], [], [], [], []
    for member_id in ids:
        tags += [
            MeetTag(member_id=member_id, skill_id=skill_id, side=side, weight=weight)
            for (skill_id, side), weight in meet_tags(holdings.get(member_id, [])).items()
        ]
        tag_rows += meet_free_tag_rows(member_id, free_tags.get(member_id, []))
        evidence = member_evidence(
            profiles.get(member_id, ""),
            holdings.get(member_id, []),
            answers.get(member_id, []),
            spotter,
            free_tags.get(member_id, []),
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
    MeetTag.objects.bulk_create(tags, batch_size=2000)
    MeetFreeTag.objects.bulk_create(tag_rows, batch_size=2000)
    do_add_difference(before, IndexState.of_rows(terms, skills, sizes, tags))
    if vectors is not None:
        vectors.write()
    return len(ids)


@dataclass
class _VectorChanges:
    """The semantic extra's rows to replace: pieces whose text changed or went away."""

    stale: list[int] = field(default_factory=list)
    new: list[EvidenceVector] = field(default_factory=list)

    def write(self) -> None:
        EvidenceVector.objects.filter(pk__in=self.stale).delete()
        EvidenceVector.objects.bulk_create(self.new, batch_size=500)


def _vector_changes(
    ids: Sequence[int],
    profiles: dict[int, str],
    holdings: dict[int, list[Holding]],
    free_tags: dict[int, list[FreeTagHolding]],
    answers: dict[int, list[AnswerEvidence]],
) -> _VectorChanges:
    listed = [
        holding
        for member_holdings in holdings.values()
        for holding in member_holdings
        if holding.kind in LISTED_WEIGHT and not holding.added_by_evidence
    ]
    names = skill_names([holding.skill_id for holding in listed])
    listed_names: dict[int, list[str]] = {}
    for holding in listed:
        listed_names.setdefault(holding.member_id, []).append(names[holding.skill_id].name_en)
    # A free tag offered or known says what the member does as a listed skill does, in
    # the member's own words (the model reads both languages).
    for member_id, tags in free_tags.items():
        listed_names.setdefault(member_id, []).extend(
            tag.texts[0] for tag in tags if tag.kind in LISTED_WEIGHT
        )
    pieces: dict[tuple[int, int], tuple[str, bool]] = {}
    for member_id in ids:
        profile = semantic.profile_piece(
            profiles.get(member_id, ""), sorted(listed_names.get(member_id, []))
        )
        if profile:
            pieces[(member_id, EvidenceVector.PROFILE)] = (profile, False)
        for answer in answers.get(member_id, []):
            text = semantic.answer_piece(answer.title, answer.details, answer.answer)
            pieces[(member_id, answer.question_id)] = (text, answer.accepted)
    digests = {
        key: semantic.digest(f"{int(accepted)}\n{text}") for key, (text, accepted) in pieces.items()
    }
    changes = _VectorChanges()
    for pk, member_id, question, stored in EvidenceVector.objects.filter(
        member_id__in=list(ids)
    ).values_list("pk", "member_id", "question", "digest"):
        if digests.get((member_id, question)) == stored:
            del digests[(member_id, question)]
        else:
            changes.stale.append(pk)
    keys = sorted(digests)
    vectors = semantic.embed_passages([pieces[key][0] for key in keys])
    changes.new = [
        EvidenceVector(
            member_id=member_id,
            question=question,
            accepted=pieces[(member_id, question)][1],
            digest=digests[(member_id, question)],
            vector=vector,
        )
        for (member_id, question), vector in zip(keys, vectors, strict=True)
    ]
    return changes


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
    do_notify(
        member,
        "matchmaking.invitation",
        actor=asker,
        text=_("%(name)s invites you to answer “%(title)s”."),
        url=question.get_absolute_url(),
        params={"name": asker.display_name, "title": question.title},
    )
    return invitation


# People to meet and introductions ------------------------------------------------------


def do_record_shown(viewer: Member, member_ids: Iterable[int]) -> None:
    """``viewer`` was shown these people to meet now (their exposure, for damping)."""
    now = timezone.now()
    rows = [Shown(viewer=viewer, member_id=member_id, at=now) for member_id in set(member_ids)]
    if rows:
        Shown.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["viewer", "member"],
            update_fields=["at"],
        )


def check_decline_suggestion(member: Member, other: Member) -> DeclinedSuggestion:
    """ "Not now": neither is suggested to the other again. Quiet: ``other`` is not told."""
    if other.pk == member.pk:
        raise OfficinaError.invalid_input(_("That is you."))
    if not is_visible_member(other):
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    return do_decline_suggestion(member, other)


@transaction.atomic
def do_decline_suggestion(member: Member, other: Member) -> DeclinedSuggestion:
    declined, _created = DeclinedSuggestion.objects.get_or_create(member=member, other=other)
    return declined


def _pair_key(one: Member, other: Member) -> str:
    low, high = sorted((one.pk, other.pk))
    return f"{low}:{high}"


def _introductions_url() -> str:
    return reverse("matchmaking:people")


def check_ask_introduction(asker: Member, other: Member) -> Introduction:
    """``asker`` would like to meet ``other``. When ``other`` had asked first, this is their
    acceptance and the introduction happens."""
    if not may_take_part(asker):
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    if other.pk == asker.pk:
        raise OfficinaError.invalid_input(_("That is you."))
    if not is_visible_member(other) or other.is_superuser:
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    existing = Introduction.objects.filter(pair_key=_pair_key(asker, other)).first()
    if existing is not None:
        if existing.status == IntroductionStatus.ACCEPTED:
            raise OfficinaError(_("You are introduced already."), ErrorCode.CONFLICT)
        if existing.asked_of_id == asker.pk:
            # They asked first (and may have been declined by this very asker, who now
            # changes their mind): asking back is accepting.
            return do_accept_introduction(existing)
        # Asked already; a quiet decline looks the same to the one who asked.
        raise OfficinaError(_("You asked already."), ErrorCode.CONFLICT)
    return do_ask_introduction(asker, other)


def may_take_part(member: Member) -> bool:
    return is_visible_member(member) and not member.is_superuser


@transaction.atomic
def do_ask_introduction(asker: Member, other: Member) -> Introduction:
    reasons = [reason.as_data() for reason in pair_reasons(asker, other)]
    try:
        with transaction.atomic():
            introduction = Introduction.objects.create(
                pair_key=_pair_key(asker, other), asked_by=asker, asked_of=other, reasons=reasons
            )
    except IntegrityError as error:
        # Both asked at the same moment: the second one is told to look again.
        raise OfficinaError(_("You asked already."), ErrorCode.CONFLICT) from error
    do_notify(
        other,
        "matchmaking.introduction",
        actor=asker,
        text=gettext_noop("%(name)s would like to meet you."),
        params={"name": asker.display_name},
        url=_introductions_url(),
    )
    return introduction


def check_answer_introduction(
    member: Member, introduction: Introduction, *, accept: bool
) -> Introduction:
    """``member`` (the one asked) accepts or declines. ``introduction`` comes from
    ``access_introduction_by_id``."""
    if introduction.asked_of_id != member.pk:
        raise OfficinaError(
            _("Only the person asked can answer this request."), ErrorCode.PERMISSION_DENIED
        )
    if introduction.status == IntroductionStatus.ACCEPTED:
        raise OfficinaError(_("You are introduced already."), ErrorCode.CONFLICT)
    if not accept:
        return do_decline_introduction(introduction)
    if not may_take_part(introduction.asked_by):
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    return do_accept_introduction(introduction)


@transaction.atomic
def do_decline_introduction(introduction: Introduction) -> Introduction:
    """Quiet: the one who asked is not told, and keeps seeing their request as asked."""
    introduction.status = IntroductionStatus.DECLINED
    introduction.decided_at = timezone.now()
    introduction.save(update_fields=["status", "decided_at"])
    return introduction


@transaction.atomic
def do_accept_introduction(introduction: Introduction) -> Introduction:
    """Both want it: a conversation with both (social's direct messages), a suggested
    place and time when they share a space today or have bookings there the same day,
    and a notification to each."""
    locked = Introduction.objects.select_for_update().get(pk=introduction.pk)
    if locked.status == IntroductionStatus.ACCEPTED:
        return locked
    asker, asked = locked.asked_by, locked.asked_of
    conversation = do_start_conversation(asked, [asker])
    slot = meeting_slot(asker, asked)
    locked.status = IntroductionStatus.ACCEPTED
    locked.decided_at = timezone.now()
    locked.conversation = conversation
    locked.meet_space = slot.space if slot else None
    locked.meet_at = slot.at if slot else None
    locked.save()
    url = reverse("social:conversation", args=[conversation.pk])
    notices = []
    for member, other in ((asker, asked), (asked, asker)):
        if slot is None:
            text = gettext_noop("You and %(name)s are introduced: say hello.")
            params: dict[str, ParamValue] = {"name": other.display_name}
        else:
            text = gettext_noop("You and %(name)s are introduced: how about %(space)s, %(time)s?")
            params = {"name": other.display_name, "space": slot.space.name, "time": slot.at}
        notices.append(
            Notice(member, "matchmaking.introduced", text, actor=other, url=url, params=params)
        )
    do_notify_many(notices)
    return locked
