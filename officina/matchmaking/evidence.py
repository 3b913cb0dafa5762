"""What a member's evidence says, computed from other apps' rows: word stems with their
counts, and a weight per skill. The same functions analyse a question, and the part of
the evidence that one answered question contributes (to leave it out when ranking
experts for that very question).

Words are reduced with the Italian and the English stemmer (search's analysis), so
"fatture" meets "fattura". Skills are found in text by their names and synonyms in both
languages (the taxonomy's vocabulary): a question about "partita IVA" and a profile
that says "VAT returns" meet on the skill "Tax and VAT" even though no word is shared.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from officina.knowledge.selectors import AnswerEvidence
from officina.search.stemming import fold_accents, stems, words
from officina.skills.folding import folded
from officina.skills.kinds import SkillKind
from officina.skills.selectors import FreeTagHolding, Holding, SkillWords

# Words too common in either language to tell one expert from another.
STOP_WORDS = frozenset(
    {
        "a",
        "about",
        "after",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "up",
        "us",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "al",
        "alla",
        "alle",
        "allo",
        "agli",
        "ai",
        "anche",
        "che",
        "chi",
        "ci",
        "come",
        "con",
        "da",
        "dal",
        "dalla",
        "dei",
        "del",
        "della",
        "delle",
        "di",
        "e",
        "ed",
        "gli",
        "ha",
        "hanno",
        "ho",
        "il",
        "io",
        "la",
        "le",
        "lo",
        "ma",
        "mi",
        "mia",
        "mio",
        "ne",
        "nei",
        "nel",
        "nella",
        "non",
        "o",
        "per",
        "piu",
        "più",
        "qual",
        "quale",
        "quando",
        "questo",
        "questa",
        "se",
        "si",
        "sono",
        "su",
        "sul",
        "sulla",
        "tra",
        "un",
        "una",
        "uno",
        "vi",
    }
)

# A declared skill counts by level and endorsements; what was shown counts more than
# what was claimed: an accepted answer on a skill is the strongest evidence there is.
LISTED_WEIGHT = {SkillKind.SKILL: 1.0, SkillKind.TALENT: 1.0, SkillKind.OFFER: 1.2}
INTEREST_WEIGHT = 0.3
LEVEL_STEP = 0.2
ENDORSEMENT_WEIGHT = 0.4
PROFILE_MENTION_WEIGHT = 0.7
# A skill named in an answer's own text (not in its question) is a claim, a small one.
ANSWER_MENTION_WEIGHT = 0.4
# The text of an accepted answer (and of its question) counts twice in the word index.
ACCEPTED_TEXT_REPEAT = 2


def terms_of(text: str) -> Counter[str]:
    """Word stems of ``text`` with their counts, stop words left out."""
    counted: Counter[str] = Counter()
    for word in words(text):
        if word in STOP_WORDS or len(word) < 2:
            continue
        counted.update(stems(word))
    return counted


def _phrase_key(word: str) -> str:
    # One key per word whatever its language: the shortest of its stems.
    return min(stems(word), key=len, default=fold_accents(word))


def phrase_terms(phrase: str) -> tuple[str, ...]:
    """The index terms that a text naming ``phrase`` holds, one per word the index keeps
    (stop words and one-letter words are not kept): the spotter's key of each word is
    one of the stems :func:`terms_of` counts."""
    return tuple(
        dict.fromkeys(
            _phrase_key(word)
            for word in words(phrase)
            if word not in STOP_WORDS and len(word) >= 2 and stems(word)
        )
    )


class SkillSpotter:
    """Finds the taxonomy's skills named in a text, by any of their phrases."""

    def __init__(self, vocabulary: Iterable[SkillWords]) -> None:
        self._skills_by_phrase: dict[tuple[str, ...], set[int]] = {}
        self.longest = 1
        for entry in vocabulary:
            for phrase in entry.phrases:
                key = tuple(_phrase_key(word) for word in words(phrase))
                if key:
                    self._skills_by_phrase.setdefault(key, set()).add(entry.skill_id)
                    self.longest = max(self.longest, len(key))

    def skills_in(self, text: str) -> Counter[int]:
        """Skill ids named in ``text``, with how many times."""
        keys = [_phrase_key(word) for word in words(text)]
        found: Counter[int] = Counter()
        for start in range(len(keys)):
            for size in range(1, min(self.longest, len(keys) - start) + 1):
                for skill_id in self._skills_by_phrase.get(tuple(keys[start : start + size]), ()):
                    found[skill_id] += 1
        return found


# Stemming every phrase of the taxonomy is most of the cost of a spotter; the taxonomy
# changes rarely, so a spotter is kept per vocabulary (a changed one makes a new key).
@functools.lru_cache(maxsize=4)
def spotter_of(vocabulary: tuple[SkillWords, ...]) -> SkillSpotter:
    return SkillSpotter(vocabulary)


@dataclass
class Evidence:
    """A member's evidence, or one answer's share of it."""

    terms: Counter[str] = field(default_factory=Counter)
    # What the member says they know (listed, endorsed, written), by skill; what they
    # showed is counted apart, in answers and accepted answers by skill.
    skills: dict[int, float] = field(default_factory=dict)
    answers_by_skill: Counter[int] = field(default_factory=Counter)
    accepted_by_skill: Counter[int] = field(default_factory=Counter)
    answers: int = 0
    accepted: int = 0

    @property
    def length(self) -> int:
        return sum(self.terms.values())

    def add_skill(self, skill_id: int, weight: float) -> None:
        self.skills[skill_id] = self.skills.get(skill_id, 0.0) + weight


def answer_share(answer: AnswerEvidence, spotter: SkillSpotter) -> Evidence:
    """What one answer adds to its author's evidence."""
    share = Evidence(answers=1, accepted=int(answer.accepted))
    repeat = ACCEPTED_TEXT_REPEAT if answer.accepted else 1
    text = f"{answer.title}\n{answer.details}\n{answer.answer}"
    for term, count in terms_of(text).items():
        share.terms[term] = count * repeat
    # A question is about its tags and the skills its words name, tagged or not.
    about = set(answer.tag_ids) | set(spotter.skills_in(f"{answer.title}\n{answer.details}"))
    for skill_id in about:
        share.answers_by_skill[skill_id] += 1
        share.accepted_by_skill[skill_id] += int(answer.accepted)
    for skill_id in set(spotter.skills_in(answer.answer)) - about:
        share.add_skill(skill_id, ANSWER_MENTION_WEIGHT)
    return share


def claim_weight(kind: str, level: int | None, endorsements: int) -> float:
    """What listing a skill (or a free tag) as ``kind`` claims: 0 for a need."""
    if kind in LISTED_WEIGHT:
        weight = LISTED_WEIGHT[SkillKind(kind)] + LEVEL_STEP * (level or 2)
        return weight + ENDORSEMENT_WEIGHT * math.log1p(endorsements)
    return INTEREST_WEIGHT if kind == SkillKind.INTEREST else 0.0


def member_evidence(
    profile: str,
    holdings: Sequence[Holding],
    answers: Sequence[AnswerEvidence],
    spotter: SkillSpotter,
    free_tags: Sequence[FreeTagHolding] = (),
) -> Evidence:
    """The whole evidence of one member.

    A free tag the member gives or is interested in counts where a listed skill does:
    its texts are words of their evidence, and a skill its texts name (by the skill's
    names or synonyms) is claimed as listing that skill would claim it."""
    evidence = Evidence(terms=terms_of(profile))
    for holding in holdings:
        if holding.added_by_evidence:
            continue  # its accepted answers below count for it, once
        weight = claim_weight(holding.kind, holding.level, holding.endorsements)
        if weight > 0:
            evidence.add_skill(holding.skill_id, weight)
    for tag in free_tags:
        weight = claim_weight(tag.kind, tag.level, tag.endorsements)
        if weight <= 0:
            continue
        evidence.terms.update(terms_of("\n".join(tag.texts)))
        named = set().union(*(spotter.skills_in(text) for text in tag.texts))
        for skill_id in sorted(named):
            evidence.add_skill(skill_id, weight)
    for skill_id in spotter.skills_in(profile):
        evidence.add_skill(skill_id, PROFILE_MENTION_WEIGHT)
    for answer in answers:
        share = answer_share(answer, spotter)
        evidence.terms.update(share.terms)
        for skill_id, weight in share.skills.items():
            evidence.add_skill(skill_id, weight)
        for skill_id in share.answers_by_skill:
            evidence.skills.setdefault(skill_id, 0.0)
        evidence.answers_by_skill.update(share.answers_by_skill)
        evidence.accepted_by_skill.update(share.accepted_by_skill)
        evidence.answers += 1
        evidence.accepted += share.accepted
    return evidence


def tags_speaking_of(
    tags: Iterable[FreeTagHolding],
    spotter: SkillSpotter,
    skill_ids: Collection[int],
    terms: Collection[str] = (),
) -> dict[int, list[FreeTagHolding]]:
    """Which of these free tags, given (offered or known), speak of what is asked: a tag
    whose text or synonym names one of ``skill_ids``, or whose every word is one of
    ``terms`` (a question's stems); by member, offers first."""
    found: dict[int, list[FreeTagHolding]] = {}
    for tag in tags:
        if tag.kind not in LISTED_WEIGHT:
            continue
        names = any(set(spotter.skills_in(text)) & set(skill_ids) for text in tag.texts)
        said = any(
            (words_of := phrase_terms(text)) and set(words_of) <= set(terms) for text in tag.texts
        )
        if names or said:
            found.setdefault(tag.member_id, []).append(tag)
    for listed in found.values():
        listed.sort(key=lambda tag: (tag.kind != SkillKind.OFFER, tag.texts[0]))
    return found


# A claimed skill saturates (listing, endorsements, mentions); answers on a skill count by
# their number (the tenth adds less than the first) and by the share of them accepted.
CLAIM_SATURATION = 1.5
SHOWN_WEIGHT = 1.0
ACCEPTANCE_PRIOR = 0.5


def skill_strength(claimed: float, answers: int, accepted: int) -> float:
    """How strongly a member shows a skill: what they claim, saturating, plus how often
    they answer on it times how often their answer is the one accepted (smoothed)."""
    claim = claimed / (claimed + CLAIM_SATURATION) if claimed > 0 else 0.0
    shown = math.log1p(answers) * (accepted + ACCEPTANCE_PRIOR) / (answers + 1)
    return claim + SHOWN_WEIGHT * shown


# People to meet read a member's listings by side: what they give (offer, know), need and
# are interested in. A giving side's weight is the claim's (level, endorsements), as for
# experts; a need or an interest weighs 1.
MEET_SIDE_OF_KIND = {
    SkillKind.OFFER: "offer",
    SkillKind.SKILL: "knows",
    SkillKind.TALENT: "knows",
    SkillKind.NEED: "need",
    SkillKind.INTEREST: "interest",
}


def meet_tags(holdings: Sequence[Holding]) -> dict[tuple[int, str], float]:
    """(skill, side) → weight for one member's listings."""
    tags: dict[tuple[int, str], float] = {}
    for holding in holdings:
        side = MEET_SIDE_OF_KIND[SkillKind(holding.kind)]
        weight = _meet_weight(holding.kind, holding.level, holding.endorsements)
        key = (holding.skill_id, side)
        tags[key] = max(tags.get(key, 0.0), weight)
    return tags


def _meet_weight(kind: str, level: int | None, endorsements: int) -> float:
    return claim_weight(kind, level, endorsements) if kind in LISTED_WEIGHT else 1.0


@dataclass(frozen=True, slots=True)
class MeetFreeTagRow:
    tag_id: int
    key: str  # one of the tag's texts, folded
    text: str  # the tag's own text, as written
    side: str
    weight: float


def meet_free_tags(tags: Sequence[FreeTagHolding]) -> list[MeetFreeTagRow]:
    """One member's free tag listings as people to meet read them: a row per text the
    tag goes by (its own and its synonyms, folded, each once) and side."""
    rows: dict[tuple[int, str, str], MeetFreeTagRow] = {}
    for tag in tags:
        side = MEET_SIDE_OF_KIND[SkillKind(tag.kind)]
        weight = _meet_weight(tag.kind, tag.level, tag.endorsements)
        for key in dict.fromkeys(folded(text)[:80] for text in tag.texts):
            if not key:
                continue
            stored = rows.get((tag.tag_id, key, side))
            if stored is None or stored.weight < weight:
                rows[(tag.tag_id, key, side)] = MeetFreeTagRow(
                    tag.tag_id, key, tag.texts[0], side, weight
                )
    return list(rows.values())
