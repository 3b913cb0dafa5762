"""Reads: who could answer a question, ranked, with reasons a reader understands.

Three rankings share one index (``models``), and the benchmark
(``benchmarks/match_quality.py``) scores each of them:

- ``fulltext``: BM25 over the words of each member's evidence;
- ``skills``: the skills graph, member → skill ← question, where a question reaches a
  skill through its tags and the skills its text names in either language, and a
  member through what they list, what endorsers vouch for and what they answered
  (accepted answers count most); rarer skills weigh more (inverse frequency);
- ``recent``: who answered most lately, before the question was asked (answers weigh
  less as they age: half as much a month older);
- ``hybrid`` (the default): the words and the skills, each scaled to its best
  candidate, averaged, then raised by up to 35% for the recently active (their
  activity scaled likewise): on a real community who is around to answer matters
  too, yet activity alone never makes an expert (a member the words and the skills do
  not find stays out);
- ``semantic`` (the semantic extra, when installed): the question's embedding against
  those of each member's pieces of evidence; the hybrid then adds it as a third signal.

Ranking for a question that is already answered leaves out what that question itself
taught the index (its words and tags in its answerers' evidence): the answerers are
suggested for what they showed elsewhere, and the benchmark's leave-one-out is the same
call.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from officina.accounts.selectors import space_members, visible_members
from officina.knowledge.selectors import (
    answer_activity,
    answer_evidence,
    answerer_ids,
    question_tag_ids,
)
from officina.matchmaking import semantic
from officina.matchmaking.counts import (
    STRENGTH_FLOOR,
    index_totals,
    skill_holders,
    term_members,
)
from officina.matchmaking.evidence import (
    SkillSpotter,
    answer_share,
    phrase_terms,
    skill_strength,
    spotter_of,
    tags_speaking_of,
    terms_of,
)
from officina.matchmaking.models import (
    AnswerInvitation,
    EvidenceSize,
    EvidenceSkill,
    EvidenceTerm,
    EvidenceVector,
)
from officina.skills.kinds import SkillKind
from officina.skills.selectors import (
    FreeTagHolding,
    free_tag_holdings_of,
    holdings_of,
    skill_names,
    skill_vocabulary,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.knowledge.models import Question
    from officina.skills.models import Skill

BM25_K1 = 1.2
BM25_B = 0.75
# Pruning common words starts in large communities only: a word of 2,000 members or fewer
# is always read; past that, one of more than 5% of the members is left out.
COMMON_TERM_SHARE = 0.05
ALWAYS_READ_POSTINGS = 2000
KEPT_WHEN_ALL_COMMON = 2
MAX_QUERY_TERMS = 16
# A skill named in a question's text counts a little less than one it is tagged with.
TAG_WEIGHT = 1.0
MENTION_WEIGHT = 0.7
HYBRID_TEXT_SHARE = 0.5
# Recent activity: answers in the last RECENT_PERIODS periods before the question (four
# months), each period's weight halving every RECENT_HALF_LIFE. The hybrid multiplies a
# member's words-and-skills score by 1 + RECENT_SHARE × their activity scaled to the
# most active: chosen on the real set's even questions (docs/matchmaking.md) as the
# largest share that costs the generated sets, where activity tells nothing, no more
# than chance (0.5 gave more on the real set and a significant loss on "hard").
RECENT_PERIOD = timedelta(days=15)
RECENT_PERIODS = 8
RECENT_HALF_LIFE = timedelta(days=30)
RECENT_SHARE = 0.35
# Each ranking reads at most this many members per word list and per skill (the best
# first, from the indexes) before the two are combined: far more than a page shows.
CANDIDATES = 200
# With the semantic extra, the hybrid's share of the embeddings' ranking.
SEMANTIC_SHARE = 0.4
# Up to this many members with evidence, every member's vectors are compared with the
# question (a few megabytes of float16); past it, only the candidates the words and the
# skills found, so that a question's cost stays bounded.
SEMANTIC_SCAN_MEMBERS = 20_000
SUGGESTED_EXPERTS = 5

SqlValue = str | int | float


class Ranking(StrEnum):
    FULLTEXT = "fulltext"
    SKILLS = "skills"
    RECENT = "recent"
    HYBRID = "hybrid"
    SEMANTIC = "semantic"


# What the default install ranks by; ``SEMANTIC`` needs the extra.
DEFAULT_RANKINGS = (Ranking.FULLTEXT, Ranking.SKILLS, Ranking.RECENT, Ranking.HYBRID)


@dataclass(frozen=True, slots=True)
class Asked:
    """A question to find experts for; ``question_id`` leaves its own evidence out;
    ``asked_at`` is when it is asked (now, unless told): only answers given before it
    count as recent activity."""

    title: str
    details: str
    tag_ids: tuple[int, ...] = ()
    asker_id: int | None = None
    question_id: int | None = None
    asked_at: datetime | None = None


@dataclass
class _Hidden:
    """What the question being ranked for contributed to its answerers' evidence."""

    terms: dict[int, Counter[str]] = field(default_factory=dict)
    skills: dict[tuple[int, int], tuple[float, int, int]] = field(default_factory=dict)
    lengths: Counter[int] = field(default_factory=Counter)


def _hidden_shares(question_id: int | None, spotter: SkillSpotter) -> _Hidden:
    hidden = _Hidden()
    if question_id is None:
        return hidden
    for answer in answer_evidence(question_id=question_id):
        share = answer_share(answer, spotter)
        hidden.terms.setdefault(answer.member_id, Counter()).update(share.terms)
        for skill_id in share.skills.keys() | share.answers_by_skill.keys():
            hidden.skills[(answer.member_id, skill_id)] = (
                share.skills.get(skill_id, 0.0),
                share.answers_by_skill[skill_id],
                share.accepted_by_skill[skill_id],
            )
        hidden.lengths[answer.member_id] += share.length
    return hidden


def _question_skills(asked: Asked, spotter: SkillSpotter) -> dict[int, float]:
    wanted = dict.fromkeys(spotter.skills_in(f"{asked.title}\n{asked.details}"), MENTION_WEIGHT)
    wanted.update(dict.fromkeys(asked.tag_ids, TAG_WEIGHT))
    return wanted


def _question_terms(asked: Asked) -> set[str]:
    tags = skill_names(asked.tag_ids).values()
    tag_text = " ".join(f"{skill.name_en} {skill.name_it}" for skill in tags)
    return set(terms_of(f"{asked.title}\n{asked.details}\n{tag_text}"))


def _bm25_sql(idf: dict[str, float], average_length: float) -> tuple[str, list[SqlValue]]:
    """A member's BM25 score over the postings of ``idf``'s words, as a SQL sum: the
    database adds up thousands of postings faster than Python reads them."""
    term_table = EvidenceTerm._meta.db_table
    size_table = EvidenceSize._meta.db_table
    weights = " ".join("WHEN %s THEN %s" for _term in idf)
    params: list[SqlValue] = [value for pair in idf.items() for value in pair]
    score = (
        f"SUM(CASE t.term {weights} ELSE 0.0 END * t.count * %s"
        f" / (t.count + %s * (1 - %s + %s * COALESCE(s.length, 1) / %s)))"
    )
    params += [BM25_K1 + 1, BM25_K1, BM25_B, BM25_B, average_length]
    # Fixed SQL built from the model's own table names; every value is a parameter.
    join = f"{term_table} t LEFT JOIN {size_table} s ON s.member_id = t.member_id"
    sql = f"SELECT t.member_id, {score} FROM {join}"  # noqa: S608
    return sql, params


def _in(values: Iterable[SqlValue]) -> tuple[str, list[SqlValue]]:
    listed = list(values)
    return ", ".join(["%s"] * len(listed)), listed


@dataclass
class _TextQuery:
    """A question's words as BM25 reads them, worked out once per ranking: the words
    kept (the rarer ones), their IDF, and the postings of the question's own answerers
    (scored apart, their share taken out) with their evidence lengths."""

    kept: list[str]
    idf: dict[str, float]
    hidden_postings: dict[int, dict[str, int]]
    hidden_lengths: dict[int, int]


def _text_query(asked: Asked, hidden: _Hidden, total: int) -> _TextQuery | None:
    query = _question_terms(asked)
    if not query:
        return None
    # Words in a large share of the evidence (common words the stop list misses) weigh
    # next to nothing in BM25, yet reading their postings is most of the work: count
    # first (kept counts, one row per word), then read the postings of the rarer words only.
    frequency = term_members(query)
    by_rarity = sorted(frequency, key=lambda term: (frequency[term], term))
    common = max(COMMON_TERM_SHARE * total, ALWAYS_READ_POSTINGS)
    kept = [term for term in by_rarity if frequency[term] <= common]
    kept = (kept or by_rarity[:KEPT_WHEN_ALL_COMMON])[:MAX_QUERY_TERMS]
    if not kept:
        return None
    hidden_postings: dict[int, dict[str, int]] = {}
    for member_id, term, count in EvidenceTerm.objects.filter(
        member_id__in=list(hidden.terms), term__in=kept
    ).values_list("member_id", "term", "count"):
        hidden_postings.setdefault(member_id, {})[term] = count
    frequency = dict(frequency)
    for member_id, postings in hidden_postings.items():
        for term, count in postings.items():
            if count - hidden.terms[member_id][term] <= 0:
                frequency[term] -= 1
    idf = {
        term: math.log(1 + (total - frequency[term] + 0.5) / (frequency[term] + 0.5))
        for term in kept
    }
    lengths: dict[int, int] = {}
    if hidden_postings:
        lengths = dict(
            EvidenceSize.objects.filter(member_id__in=list(hidden_postings)).values_list(
                "member_id", "length"
            )
        )
    return _TextQuery(kept, idf, hidden_postings, lengths)


def _text_scores(
    query: _TextQuery | None,
    hidden: _Hidden,
    average_length: float,
    top: int | None,
    among: Collection[int] = (),
) -> dict[int, float]:
    """BM25 of the question's words: the ``top`` best members, or those ``among``."""
    if query is None:
        return {}
    idf = query.idf
    # The answerers of the question itself (a handful) are scored below, their share of
    # the evidence taken out; everyone else is scored and cut to the best by the database.
    sql, params = _bm25_sql(idf, average_length)
    terms_in, terms = _in(query.kept)
    sql += f" WHERE t.term IN ({terms_in})"
    params += terms
    if hidden.terms:
        hidden_in, hidden_ids = _in(hidden.terms)
        sql += f" AND t.member_id NOT IN ({hidden_in})"
        params += hidden_ids
    if among:
        among_in, among_ids = _in(among)
        sql += f" AND t.member_id IN ({among_in})"
        params += among_ids
    sql += " GROUP BY t.member_id ORDER BY 2 DESC, t.member_id"
    if top is not None:
        sql += " LIMIT %s"
        params.append(top)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        scores = {member_id: float(score) for member_id, score in cursor.fetchall()}
    for member_id, postings in query.hidden_postings.items():
        if among and member_id not in among:
            continue
        length = max(query.hidden_lengths.get(member_id, 0) - hidden.lengths[member_id], 1)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average_length)
        score = 0.0
        for term, count in postings.items():
            count -= hidden.terms[member_id][term]
            if count > 0:
                score += idf[term] * count * (BM25_K1 + 1) / (count + norm)
        if score > 0:
            scores[member_id] = score
    return scores


SkillRow = tuple[int, int, float, int, int, float]
_SKILL_FIELDS = ("member_id", "skill_id", "weight", "answers", "accepted", "strength")


@dataclass
class _SkillQuery:
    """A question's skills as the graph reads them, worked out once per ranking: each
    skill's holders (less the answerers who hold it through this question alone) and the
    answerers' own rows on them."""

    wanted: dict[int, float]
    holders: dict[int, int]
    answerers_rows: list[SkillRow]


def _skill_query(wanted: dict[int, float], hidden: _Hidden) -> _SkillQuery | None:
    if not wanted:
        return None
    holders = skill_holders(wanted)
    hidden_members = {member_id for member_id, _skill_id in hidden.skills}
    answerers_rows: list[SkillRow] = []
    if hidden_members:
        answerers_rows = list(
            EvidenceSkill.objects.filter(
                skill_id__in=list(wanted), member_id__in=list(hidden_members)
            ).values_list(*_SKILL_FIELDS)
        )
    # An answerer who holds a skill through this question alone is no holder of it here.
    for member_id, skill_id, claimed, answers, accepted, strength in answerers_rows:
        if (member_id, skill_id) in hidden.skills and strength > STRENGTH_FLOOR:
            hidden_claim, hidden_answers, hidden_accepted = hidden.skills[(member_id, skill_id)]
            left = skill_strength(
                claimed - hidden_claim, answers - hidden_answers, accepted - hidden_accepted
            )
            if left <= STRENGTH_FLOOR:
                holders[skill_id] -= 1
    return _SkillQuery(wanted, holders, answerers_rows)


def _skill_scores(
    query: _SkillQuery | None,
    hidden: _Hidden,
    total: int,
    top: int | None,
    among: Collection[int] = (),
) -> dict[int, float]:
    """The skills graph: the ``top`` strongest holders of each wanted skill (read from
    the strength index, so a skill held by thousands costs the same as one held by ten),
    or the members ``among``."""
    if query is None:
        return {}
    wanted, holders = query.wanted, query.holders
    hidden_members = {member_id for member_id, _skill_id in hidden.skills}
    rows: list[SkillRow] = []
    if among:
        rows += EvidenceSkill.objects.filter(
            skill_id__in=list(wanted), member_id__in=list(among)
        ).values_list(*_SKILL_FIELDS)
    else:
        for skill_id in wanted:
            # Taking a share out only lowers a strength: the top few plus as many as
            # there are answerers hold everyone who can be among the best afterwards.
            rows += (
                EvidenceSkill.objects.filter(skill_id=skill_id)
                .order_by("-strength", "member_id")
                .values_list(*_SKILL_FIELDS)[: (top or 0) + len(hidden_members)]
            )
        rows += query.answerers_rows
    strengths: dict[int, dict[int, float]] = {}
    for member_id, skill_id, claimed, answers, accepted, strength in rows:
        if (member_id, skill_id) in hidden.skills:
            hidden_claim, hidden_answers, hidden_accepted = hidden.skills[(member_id, skill_id)]
            strength = skill_strength(
                claimed - hidden_claim, answers - hidden_answers, accepted - hidden_accepted
            )
        if strength > STRENGTH_FLOOR:
            strengths.setdefault(skill_id, {})[member_id] = strength
    scores: dict[int, float] = {}
    for skill_id, best in strengths.items():
        idf = math.log(1 + total / max(holders.get(skill_id, 0), 1))
        if not among and top is not None:
            best = dict(sorted(best.items(), key=lambda pair: (-pair[1], pair[0]))[:top])
        for member_id, strength in best.items():
            scores[member_id] = scores.get(member_id, 0.0) + wanted[skill_id] * idf * strength
    return scores


def recent_periods(asked_at: datetime) -> list[tuple[datetime, float]]:
    """The periods before ``asked_at`` whose answers count as recent activity, newest
    first, each with its weight (halving every ``RECENT_HALF_LIFE``, at its middle)."""
    return [
        (
            asked_at - RECENT_PERIOD * (index + 1),
            0.5 ** ((index + 0.5) * RECENT_PERIOD / RECENT_HALF_LIFE),
        )
        for index in range(RECENT_PERIODS)
    ]


def _recent_scores(asked: Asked, top: int | None, among: Collection[int] = ()) -> dict[int, float]:
    """Who answered lately, before the question was asked (never its own answers)."""
    return answer_activity(
        recent_periods(asked.asked_at or timezone.now()),
        asked.asked_at or timezone.now(),
        leave_out_question_id=asked.question_id,
        top=top,
        among=among,
    )


def _scaled(scores: dict[int, float]) -> dict[int, float]:
    best = max(scores.values(), default=0.0)
    return {member_id: score / best for member_id, score in scores.items()} if best else {}


def _semantic_scores(asked: Asked, among: Collection[int] | None = None) -> dict[int, float]:
    """The semantic extra's ranking: every member's pieces of evidence (or those of the
    members ``among``) against the question, leaving out its own answers."""
    tags = skill_names(asked.tag_ids).values()
    tag_text = "; ".join(skill.name_en for skill in tags)
    query = semantic.embed_query(f"{asked.title}\n{asked.details}\n{tag_text}")
    rows = EvidenceVector.objects.all()
    if asked.question_id is not None:
        rows = rows.exclude(question=asked.question_id)
    if among is not None:
        rows = rows.filter(member_id__in=list(among))
    owners, accepted, vectors = [], [], []
    for member_id, was_accepted, vector in rows.values_list("member_id", "accepted", "vector"):
        owners.append(member_id)
        accepted.append(was_accepted)
        vectors.append(bytes(vector))
    return semantic.member_scores(owners, accepted, semantic.similarities(query, vectors))


def rank_experts(
    asked: Asked, ranking: Ranking = Ranking.HYBRID, *, with_semantic: bool | None = None
) -> list[tuple[int, float]]:
    """The members with the best evidence for ``asked`` (a few hundred at most), best
    first, as ``(member_id, score)``; never the asker. Members with no evidence at all
    are not listed (their score is 0). The hybrid reads the semantic extra's embeddings
    when it is available, or as ``with_semantic`` says (the benchmark compares both)."""
    with_semantic = semantic.available() and with_semantic in (None, True)
    if ranking == Ranking.SEMANTIC:
        scores = _semantic_scores(asked) if with_semantic else {}
        return _best_first(scores, asked)
    spotter = spotter_of(tuple(skill_vocabulary()))
    hidden = _hidden_shares(asked.question_id, spotter)
    totals = index_totals()
    total, average_length = totals.members, totals.average_length
    text: dict[int, float] = {}
    skills: dict[int, float] = {}
    recent: dict[int, float] = {}
    text_query = skill_query = None
    if ranking in (Ranking.FULLTEXT, Ranking.HYBRID):
        text_query = _text_query(asked, hidden, total)
        text = _text_scores(text_query, hidden, average_length, top=CANDIDATES)
    if ranking in (Ranking.SKILLS, Ranking.HYBRID):
        skill_query = _skill_query(_question_skills(asked, spotter), hidden)
        skills = _skill_scores(skill_query, hidden, total, top=CANDIDATES)
    if ranking in (Ranking.RECENT, Ranking.HYBRID):
        recent = _recent_scores(asked, top=CANDIDATES)
    if ranking == Ranking.FULLTEXT:
        scores = text
    elif ranking == Ranking.SKILLS:
        scores = skills
    elif ranking == Ranking.RECENT:
        scores = recent
    else:
        # The best of each ranking get their exact score in the others too, so that a
        # member strong on two is not scored on one of them only.
        found = text.keys() | skills.keys() | recent.keys()
        missing_text = found - text.keys()
        if missing_text:
            text.update(
                _text_scores(text_query, hidden, average_length, top=None, among=missing_text)
            )
        missing_skills = found - skills.keys()
        if missing_skills:
            skills.update(_skill_scores(skill_query, hidden, total, top=None, among=missing_skills))
        missing_recent = found - recent.keys()
        if missing_recent:
            recent.update(_recent_scores(asked, top=None, among=missing_recent))
        text, skills, recent = _scaled(text), _scaled(skills), _scaled(recent)
        scores = {
            member_id: (
                HYBRID_TEXT_SHARE * text.get(member_id, 0.0)
                + (1 - HYBRID_TEXT_SHARE) * skills.get(member_id, 0.0)
            )
            * (1 + RECENT_SHARE * recent.get(member_id, 0.0))
            for member_id in found
        }
        if with_semantic:
            among = None if total <= SEMANTIC_SCAN_MEMBERS else scores.keys()
            meaning = _scaled(_semantic_scores(asked, among))
            scores = {
                member_id: (1 - SEMANTIC_SHARE) * scores.get(member_id, 0.0)
                + SEMANTIC_SHARE * meaning.get(member_id, 0.0)
                for member_id in scores.keys() | meaning.keys()
            }
    return _best_first(scores, asked)


def _best_first(scores: dict[int, float], asked: Asked) -> list[tuple[int, float]]:
    scores.pop(asked.asker_id or 0, None)
    # Equal scores in member order, so that a ranking never depends on the database's.
    return sorted(
        ((member_id, score) for member_id, score in scores.items() if score > 0),
        key=lambda pair: (-pair[1], pair[0]),
    )


@dataclass
class ExpertSuggestion:
    member: Member
    reasons: list[str]
    invited: bool


def _reasons(
    member_id: int,
    wanted: dict[int, float],
    skills: dict[int, Skill],
    evidence: dict[tuple[int, int], tuple[int, int]],
    listed: dict[tuple[int, int], str],
    tags: Sequence[FreeTagHolding] = (),
    *,
    recently_active: bool = False,
) -> list[str]:
    reasons: list[str] = []
    for tag in tags:
        worded = _("offers %(skill)s") if tag.kind == SkillKind.OFFER else _("knows %(skill)s")
        reasons.append(worded % {"skill": tag.texts[0]})
    for skill_id in sorted(wanted, key=lambda pk: (-wanted[pk], skills[pk].name)):
        name = skills[skill_id].name
        answers, accepted = evidence.get((member_id, skill_id), (0, 0))
        if accepted:
            reasons.append(
                ngettext(
                    "had %(count)d answer on %(skill)s accepted",
                    "had %(count)d answers on %(skill)s accepted",
                    accepted,
                )
                % {"count": accepted, "skill": name}
            )
        elif answers:
            reasons.append(
                ngettext(
                    "answered %(count)d question on %(skill)s",
                    "answered %(count)d questions on %(skill)s",
                    answers,
                )
                % {"count": answers, "skill": name}
            )
        kind = listed.get((member_id, skill_id))
        if kind == SkillKind.OFFER:
            reasons.append(_("offers %(skill)s") % {"skill": name})
        elif kind in (SkillKind.SKILL, SkillKind.TALENT):
            reasons.append(_("knows %(skill)s") % {"skill": name})
    if recently_active:
        reasons.append(_("has answered questions lately"))
    if not reasons:
        reasons.append(_("their profile and answers speak of what you ask"))
    return reasons[:3]


def experts_for_question(
    question: Question, viewer: Member, limit: int = SUGGESTED_EXPERTS
) -> list[ExpertSuggestion]:
    """For the asker only: who could answer, with why, leaving out who answered already.
    ``question`` comes from knowledge's access helper, so the viewer may see it."""
    if question.author_id != viewer.pk:
        return []
    asked = Asked(
        title=question.title,
        details=question.body,
        tag_ids=tuple(question_tag_ids(question)),
        asker_id=question.author_id,
        question_id=question.pk,
        asked_at=timezone.now(),
    )
    answered = answerer_ids(question.pk)
    ranked = [pair for pair in rank_experts(asked) if pair[0] not in answered]
    # Only who may read the question: a space's question is suggested to its members.
    readers = space_members(question.space) if question.space else visible_members()
    members = readers.in_bulk([member_id for member_id, _score in ranked[: limit * 4]])
    chosen = [members[member_id] for member_id, _score in ranked if member_id in members][:limit]
    if not chosen:
        return []
    chosen_ids = [member.pk for member in chosen]
    spotter = spotter_of(tuple(skill_vocabulary()))
    wanted = _question_skills(asked, spotter)
    skills = skill_names(list(wanted))
    evidence = {
        (member_id, skill_id): (answers, accepted)
        for member_id, skill_id, answers, accepted in EvidenceSkill.objects.filter(
            member_id__in=chosen_ids, skill_id__in=list(wanted)
        ).values_list("member_id", "skill_id", "answers", "accepted")
    }
    listed: dict[tuple[int, int], str] = {}
    for holding in holdings_of(chosen_ids):
        if holding.added_by_evidence:
            continue  # said by the accepted answers' reason already
        if holding.skill_id in wanted and listed.get((holding.member_id, holding.skill_id)) != (
            SkillKind.OFFER
        ):
            listed[(holding.member_id, holding.skill_id)] = holding.kind
    # Free tags: by the skills their texts name, or by the question's own words.
    tags = tags_speaking_of(
        free_tag_holdings_of(chosen_ids),
        spotter,
        list(wanted),
        set(terms_of(f"{asked.title}\n{asked.details}")),
    )
    invited = set(
        AnswerInvitation.objects.filter(question_id=question.pk).values_list("member_id", flat=True)
    )
    recent = _recent_scores(asked, top=None, among=chosen_ids)
    return [
        ExpertSuggestion(
            member=member,
            reasons=_reasons(
                member.pk,
                wanted,
                skills,
                evidence,
                listed,
                tags.get(member.pk, ()),
                recently_active=member.pk in recent,
            ),
            invited=member.pk in invited,
        )
        for member in chosen
    ]


def members_whose_texts_may_name(phrases: Iterable[str]) -> set[int]:
    """The members whose indexed texts (profile, answers and their questions) hold every
    word of one of ``phrases``: those whose skills a change of the taxonomy's words may
    change. One query per phrase, over the index's postings; a phrase of stop words only
    finds nobody (the spotter still finds it at the next ``match_reindex``)."""
    found: set[int] = set()
    for phrase in phrases:
        terms = phrase_terms(phrase)
        if not terms:
            continue
        found.update(
            EvidenceTerm.objects.filter(term__in=terms)
            .values("member_id")
            .annotate(terms=Count("term", distinct=True))
            .filter(terms=len(terms))
            .values_list("member_id", flat=True)
        )
    return found
