"""Reads: people to meet, and who of the people here today.

For a viewer and a candidate, each side's *benefit* from meeting the other is summed
over the viewer's listed skills and free tags (every reason involves one of them; a free
tag meets the other's tags by any of their texts, folded, ``MeetFreeTag``):

- *help*: the other gives (offers or knows) a skill this side needs, by how strongly
  (the claim saturates, as for experts);
- *a taker*: this side offers a skill the other needs (an offer is a wish to give);
- *alike*: both give or are interested in the same skill (less than help);
- *answers*: the other answered this side's questions (the answerer benefits half).

Each term is weighted by the skill's rarity, ln(1 + members / holders). The suggestion's
score is the **harmonic mean** of the two benefits: one side's strong wish does not make
up for the other side's indifference, and someone who merely knows what you need, with
nothing in it for them, is not suggested. The score is then damped by how many other
members were shown this person lately (exposure), so attention spreads.

Never suggested: oneself, anyone either side declined, anyone already asked or
introduced (they are on the introductions list), and anyone the viewer cannot see
(project guests, inactive accounts, the site's operators). Project guests get no
suggestions.

Bounded: the database gives every lister of the viewer's skills and free tags, on the
sides that can meet them, a rough score (the same terms, summed per side, in SQL) and
returns the ``CANDIDATES`` best; those alone are scored exactly, in Python
(``CandidateCut``). The viewer's most listed topic, when its listers outnumber all the
others' (a popular tag: thousands), is read only for the members the other topics reach
and for the strongest of each of its sides. The rows the database reads grow with the
other topics' listers; the Python work does not.

With the semantic extra, the best few (already scored, before the cut to what is shown)
are reordered a little by how close each one's profile is to the viewer's in meaning
(``_closeness``): among people equally good to meet, those who do similar work come
first. It never brings in anyone the skills did not.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from officina.accounts.selectors import community_members, may_see_members
from officina.knowledge.selectors import Helped, help_around
from officina.matchmaking import semantic
from officina.matchmaking.counts import index_totals, meet_holders
from officina.matchmaking.evidence import CLAIM_SATURATION
from officina.matchmaking.kinds import IntroductionStatus, MeetSide
from officina.matchmaking.models import (
    DeclinedSuggestion,
    EvidenceVector,
    Introduction,
    MeetFreeTag,
    MeetTag,
    Shown,
)
from officina.matchmaking.reasons import Reason, ReasonKind
from officina.presence.kinds import CheckInKind
from officina.presence.selectors import current_check_in, present_member_ids

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

# How many candidates are scored exactly, the best by the database's rough score.
# Scoring in Python was most of a page's time (~2,000 candidates at 100,000 members);
# benchmarks/match_quality.py on the people-to-meet set compares this with every lister.
CANDIDATES = 200
HELP_WEIGHT = 1.0
TAKER_WEIGHT = 0.8
ALIKE_WEIGHT = 0.5
ANSWERED_WEIGHT = 1.0
ANSWERER_SHARE = 0.5
# Shown to this many other members in the window, a person's score is halved.
EXPOSURE_HALF = 10
EXPOSURE_WINDOW = timedelta(days=30)
SUGGESTED = 8
REASONS_SHOWN = 3
# Scored exactly, then damped: more than are shown, so damping can reorder them.
DAMPED_POOL = 4
# With the semantic extra: the closest profile in the pool gains this share of its score,
# the farthest nothing (a nudge among near-equals, not a reason to meet).
CLOSENESS_SHARE = 0.25

GIVING = (MeetSide.OFFER, MeetSide.KNOWS)
ALIKE = (MeetSide.OFFER, MeetSide.KNOWS, MeetSide.INTEREST)


@dataclass
class MeetSuggestion:
    """A person to meet: why (reasons as data, the strongest first), and how well."""

    member: Member
    score: float
    reasons: list[Reason]

    @property
    def complementary(self) -> bool:
        return any(reason.complementary for reason in self.reasons)

    @property
    def similar(self) -> bool:
        return any(not reason.complementary for reason in self.reasons)


@dataclass
class _Pair:
    mine: float = 0.0  # the viewer's benefit
    theirs: float = 0.0  # the candidate's benefit
    reasons: list[tuple[float, Reason]] = field(default_factory=list)

    @property
    def score(self) -> float:
        if self.mine <= 0 or self.theirs <= 0:
            return 0.0
        return 2 * self.mine * self.theirs / (self.mine + self.theirs)


def _claim(weight: float) -> float:
    return weight / (weight + CLAIM_SATURATION)


@dataclass
class _Mine:
    """The viewer's listings by *topic*: a taxonomy skill (its id), or a free tag (minus
    its id), with the folded texts the tag goes by, its text as the viewer wrote it, and
    how many members list any of those texts (the viewer included)."""

    sides: dict[int, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    keys: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    texts: dict[int, str] = field(default_factory=dict)
    listers: dict[int, int] = field(default_factory=dict)

    @property
    def skills(self) -> dict[int, dict[str, float]]:
        return {topic: sides for topic, sides in self.sides.items() if topic > 0}

    def topic_keys(self) -> list[tuple[str, int]]:
        """(folded text, topic) for each text of the viewer's free tags."""
        return sorted((key, topic) for topic, keys in self.keys.items() for key in keys)


def _tags_of(member_id: int) -> _Mine:
    """A member's skills and free tags, with each free tag's listers counted, in one
    query. A tag's listers are counted in the database (an index range per text), not
    read: a popular tag has thousands, a skill's are kept (``meet_holders``)."""
    skills, tags = MeetTag._meta.db_table, MeetFreeTag._meta.db_table
    listers = (
        f"SELECT m.tag_id AS tag_id, COUNT(DISTINCT o.member_id) AS listers"  # noqa: S608 - table names from the models
        f" FROM {tags} m JOIN {tags} o ON o.key = m.key WHERE m.member_id = %s GROUP BY m.tag_id"
    )
    sql = (
        f"SELECT skill_id, '', '', side, weight, 0 FROM {skills} WHERE member_id = %s"  # noqa: S608 - see above
        f" UNION ALL SELECT -v.tag_id, v.key, v.text, v.side, v.weight, c.listers"
        f" FROM {tags} v JOIN ({listers}) AS c ON c.tag_id = v.tag_id WHERE v.member_id = %s"
    )
    mine = _Mine()
    with connection.cursor() as cursor:
        cursor.execute(sql, [member_id, member_id, member_id])
        for topic, key, text, side, weight, listers_of in cursor.fetchall():
            mine.sides[topic][side] = max(mine.sides[topic].get(side, 0.0), weight)
            if topic < 0:
                mine.keys[topic].add(key)
                mine.texts[topic] = text
                mine.listers[topic] = listers_of
    return mine


Theirs = dict[int, dict[int, dict[str, float]]]


@dataclass
class _TheirRows:
    """Members' rows on the viewer's topics (skills and free tags): their sides, and
    their own text for each of the viewer's free tags they list."""

    theirs: Theirs = field(default_factory=dict)
    texts: dict[tuple[int, int], str] = field(default_factory=dict)


def _read_rows(sql: str, params: Sequence[int | str | float]) -> _TheirRows:
    """Rows of (member, topic, side, weight, text): a member's tag may meet one of the
    viewer's by more than one text, or two of their tags the same one; the strongest
    row of a side counts, and the first text read names it."""
    found = _TheirRows()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for member_id, topic, side, weight, text in cursor.fetchall():
            sides = found.theirs.setdefault(member_id, {}).setdefault(topic, {})
            sides[side] = max(sides.get(side, 0.0), weight)
            if topic < 0:
                found.texts.setdefault((member_id, topic), text)
    return found


class _Statement:
    """A statement built in parts, each with its parameters, in the order written.

    Plain SQL from the models' table names; every value is a parameter."""

    def __init__(self) -> None:
        self.ctes: list[str] = []
        self.params: list[int | str | float] = []

    def values(self, name: str, rows: Sequence[Sequence[int | str | float]]) -> None:
        """A ``WITH`` list of literal rows, e.g. ``w(skill_id, side, m0, m1, t0)``."""
        row = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        self.ctes.append(f"{name} AS (VALUES {', '.join([row] * len(rows))})")
        for each in rows:
            self.params += list(each)

    def cte(self, name: str, sql: str, params: Sequence[int | str | float]) -> None:
        self.ctes.append(f"{name} AS ({sql})")
        self.params += list(params)

    def sql(self, body: str) -> str:
        return f"WITH {', '.join(self.ctes)} {body}" if self.ctes else body


def _free_tag_rows(where: str = "") -> str:
    """Members' free tag rows on the viewer's free tags, by the viewer's topic (``k``:
    the viewer's folded texts, ``where`` a condition on them), one row per (member,
    topic, side), the strongest."""
    return (
        "SELECT f.member_id AS member_id, k.topic AS skill_id, f.side AS side,"  # noqa: S608 - see _Statement
        f" MAX(f.weight) AS weight FROM {MeetFreeTag._meta.db_table} f JOIN k ON f.key = k.key"
        f"{f' WHERE {where}' if where else ''} GROUP BY f.member_id, k.topic, f.side"
    )


def _rows_of_chosen(mine: _Mine) -> tuple[str, list[int]]:
    """The rows of the members in ``chosen`` (a ``WITH`` of the statement) on the
    viewer's skills and on their free tags (``k``, when the viewer lists any): the
    statement's body and its own parameters."""
    skills, tags = MeetTag._meta.db_table, MeetFreeTag._meta.db_table
    branches, params = [], []
    if mine.skills:
        branches.append(
            # By member too (the unique (member, skill, side) index): a skill's range holds
            # thousands of listers, the chosen are a few hundred.
            "SELECT t.member_id, t.skill_id, t.side, t.weight, '' FROM chosen c"  # noqa: S608 - see _Statement
            f" CROSS JOIN {skills} t WHERE t.member_id = c.member_id"
            f" AND t.skill_id IN ({', '.join(['%s'] * len(mine.skills))})"
        )
        params += list(mine.skills)
    if mine.keys:
        branches.append(
            # By member first (a popular text has thousands of listers, the chosen are few):
            # SQLite joins in the order written with CROSS JOIN.
            "SELECT f.member_id, k.topic, f.side, f.weight, f.text FROM chosen c"  # noqa: S608
            f" CROSS JOIN {tags} f CROSS JOIN k WHERE f.member_id = c.member_id AND f.key = k.key"
        )
    return " UNION ALL ".join(branches), params


@dataclass(frozen=True, slots=True)
class CandidateCut:
    """Which listers of the viewer's skills and free tags are scored exactly.

    ``best``: the database scores every lister of each (skill or free tag, side) that can
    meet the viewer's listings roughly, with the same terms as ``_score_pairs`` summed per
    side (each row counted: two sides of one skill count twice; a free tag's texts that
    meet one of the viewer's tags count once a side), takes the harmonic mean of the two
    sides and returns the ``best`` first. ``per_range``: instead, at most this many per
    (skill, side), strongest first, and every lister of the viewer's free tags (the cut
    before this one: 200; in ties, by member id, which is no better than chance).
    Neither: every lister, the exact answer the benchmark compares with.

    ``popular`` (with ``best``): the viewer's most listed topic, when its listers outnumber
    those of all their other topics together (``_popular_topic``), is not read whole:
    its rows are read for the members the other topics reach, and for the ``best``
    strongest of each of its sides (in ties by member id, as the rough score orders
    them). So whoever meets the viewer on another topic too is scored in full, and of
    those who meet them on that topic alone, the ``best`` by the rough score are there
    (the rough score of one row grows with its weight); only someone listing it on two
    sides and nothing else, below the ``best`` of both, can be left out. Reading and
    grouping the thousands of listers of a popular tag was most of a page's time.
    """

    best: int | None = CANDIDATES
    per_range: int | None = None
    popular: bool = True


EVERY_LISTER = CandidateCut(best=None)


def _popular_topic(listers: dict[int, int], topics: Collection[int], best: int) -> int | None:
    """The most listed of ``topics`` (ties: the lowest id), when it has more listers than
    all the others together and than ``best``: reading its rows for the members the
    others reach (an index lookup each) is then cheaper than reading all of them."""
    if not topics:
        return None
    most = min(topics, key=lambda topic: (-listers.get(topic, 0), topic))
    rest = sum(listers.get(topic, 0) for topic in topics if topic != most)
    return most if listers.get(most, 0) > max(rest, best) else None


def _rough_terms(
    mine: dict[int, dict[str, float]], rarity: dict[int, float]
) -> list[tuple[int, str, float, float, float]]:
    """(topic, side, mine, mine per claim, theirs) for each side of the viewer's skills and
    free tags a lister can be on: what one row of theirs adds to each side's benefit, the
    viewer's part as a constant plus a multiple of their claim's saturation."""
    terms: dict[tuple[int, str], list[float]] = {}
    for skill_id, sides in mine.items():
        me = _MyListing.of(sides, rarity[skill_id])
        for side in (_OFFER, _KNOWS, _NEED, _INTEREST):
            term = [0.0, 0.0, 0.0]
            if me.needs and side in (_OFFER, _KNOWS):
                term[1] += HELP_WEIGHT * me.rarity
                term[2] += TAKER_WEIGHT * me.rarity if side == _OFFER else 0.0
            if me.help > 0 and side == _NEED:
                term[2] += me.help
                term[0] += TAKER_WEIGHT * me.rarity if me.offers else 0.0
            if me.alike and side in (_OFFER, _KNOWS, _INTEREST):
                term[0] += ALIKE_WEIGHT * me.rarity
                term[2] += ALIKE_WEIGHT * me.rarity
            if any(term):
                terms[(skill_id, side)] = term
    return [
        (skill_id, side, term[0], term[1], term[2])
        for (skill_id, side), term in sorted(terms.items())
    ]


def _rough_rows(
    mine: _Mine,
    popular: int | None,
    statement: _Statement,
    terms: Sequence[tuple[int, str, float, float, float]],
    best: int,
) -> tuple[str, list[int | str | float]]:
    """The rows the rough score sums, (member_id, weight, m0, m1, t0), one per member,
    topic and side: every lister's on each topic but ``popular``; on ``popular`` (see
    ``CandidateCut``), the rows of the members the others reach (``reached``, a ``WITH``
    added to ``statement``) and of the ``best`` strongest of each of its sides: the SQL
    and its own parameters."""
    skills, tags = MeetTag._meta.db_table, MeetFreeTag._meta.db_table
    skill_rows = (
        f"SELECT t.member_id AS member_id, t.weight AS weight, w.m0 AS m0, w.m1 AS m1,"  # noqa: S608 - see _Statement
        f" w.t0 AS t0 FROM {skills} t JOIN w ON t.skill_id = w.skill_id AND t.side = w.side"
    )

    def tag_rows(where: str = "") -> str:
        return (
            f"SELECT t.member_id, t.weight, w.m0, w.m1, w.t0 FROM ({_free_tag_rows(where)})"  # noqa: S608
            " AS t JOIN w ON t.skill_id = w.skill_id AND t.side = w.side"
        )

    if popular is None:
        return " UNION ALL ".join([skill_rows, tag_rows()] if mine.keys else [skill_rows]), []
    others = [f"{skill_rows} WHERE w.skill_id <> %s"]
    others_params: list[int | str | float] = [popular]
    if mine.keys:
        others.append(tag_rows("k.topic <> %s"))
        others_params.append(popular)
    # The strongest of each side: the rough score of one row grows with its weight.
    strongest: list[str] = []
    params: list[int | str | float] = []
    for topic, side, *_term in terms:
        if topic != popular:
            continue
        if popular > 0:
            strongest.append(
                f"SELECT * FROM (SELECT member_id FROM {skills} WHERE skill_id = %s AND side = %s"  # noqa: S608
                " ORDER BY weight DESC, member_id LIMIT %s) AS top"
            )
            params += [popular, side, best]
        else:
            strongest.append(
                f"SELECT * FROM (SELECT f.member_id FROM {tags} f JOIN k ON f.key = k.key"  # noqa: S608
                " WHERE k.topic = %s AND f.side = %s ORDER BY f.weight DESC, f.member_id"
                " LIMIT %s) AS top"
            )
            params += [popular, side, best]
    statement.cte("others", " UNION ALL ".join(others), others_params)
    statement.cte(
        "reached(member_id)", " UNION ".join(["SELECT member_id FROM others", *strongest]), params
    )
    # Their rows on the popular topic, by member (an index lookup each): SQLite joins in
    # the order written with CROSS JOIN, and "+" keeps it off the (skill, side) index,
    # which it would otherwise scan whole for each member.
    if popular > 0:
        on_popular = (
            f"SELECT t.member_id, t.weight, w.m0, w.m1, w.t0 FROM reached r CROSS JOIN {skills} t"  # noqa: S608
            " CROSS JOIN w WHERE t.member_id = r.member_id AND +t.skill_id = %s"
            " AND w.skill_id = t.skill_id AND w.side = t.side"
        )
    else:
        on_popular = (
            "SELECT g.member_id, g.weight, w.m0, w.m1, w.t0 FROM (SELECT f.member_id AS member_id,"  # noqa: S608
            " k.topic AS topic, f.side AS side, MAX(f.weight) AS weight FROM reached r"
            f" CROSS JOIN {tags} f CROSS JOIN k WHERE f.member_id = r.member_id AND f.key = k.key"
            " AND k.topic = %s GROUP BY f.member_id, k.topic, f.side) AS g"
            " JOIN w ON w.skill_id = g.topic AND w.side = g.side"
        )
    return f"SELECT * FROM others UNION ALL {on_popular}", [popular]  # noqa: S608


def _candidates_rows(
    mine: _Mine,
    also: Collection[int],
    rarity: dict[int, float],
    listers: dict[int, int],
    cut: CandidateCut,
) -> _TheirRows:
    """The candidates (as ``cut`` chooses them among the listers of the viewer's skills
    and free tags) and the members ``also``: their rows on the viewer's skills and free
    tags, in one round trip.

    The database does the choosing and reads the chosen members' rows by the (member,
    skill, side) key: the candidates never travel to Python and back as parameters."""
    terms = _rough_terms(mine.sides, rarity)
    if not mine.sides or (not terms and not also):
        return _TheirRows()
    skills, tags = MeetTag._meta.db_table, MeetFreeTag._meta.db_table
    statement = _statement_on(mine)
    params: list[int | str | float] = []
    parts: list[str] = []
    if terms and cut.best is not None:
        # Each row's terms, from a VALUES list joined to the index by (topic, side): a
        # skill's rows as they are, a free tag's rows (by any of its texts) by the
        # viewer's topic, one per member and side, so two texts of one tag count once.
        statement.values("w(skill_id, side, m0, m1, t0)", terms)
        popular = (
            _popular_topic(listers, {topic for topic, *_term in terms}, cut.best)
            if cut.popular
            else None
        )
        listed, params = _rough_rows(mine, popular, statement, terms, cut.best)
        claim = f"m1 * weight / (weight + {CLAIM_SATURATION})"
        sides = (
            f"SELECT member_id, SUM(m0 + {claim}) AS mine, SUM(t0) AS theirs"  # noqa: S608
            f" FROM ({listed}) AS r GROUP BY member_id"
        )
        parts.append(
            f"SELECT member_id FROM (SELECT member_id FROM ({sides}) AS s"  # noqa: S608
            " WHERE mine > 0 AND theirs > 0"
            " ORDER BY 2 * mine * theirs / (mine + theirs) DESC, member_id LIMIT %s) AS best"
        )
        params.append(cut.best)
    else:
        every = f"SELECT member_id FROM {skills} WHERE skill_id = %s AND side = %s"  # noqa: S608
        ranged = f"SELECT member_id FROM ({every} ORDER BY weight DESC, member_id LIMIT %s) AS r"  # noqa: S608
        for skill_id, side, *_term in terms:
            if skill_id > 0:
                parts.append(every if cut.per_range is None else ranged)
                params += [skill_id, side]
                params += [] if cut.per_range is None else [cut.per_range]
        if mine.keys:
            # Every lister of the viewer's free tags, as before the rough score.
            parts.append(f"SELECT f.member_id FROM {tags} f JOIN k ON f.key = k.key")  # noqa: S608
    if also:
        statement.values("also(member_id)", [(member_id,) for member_id in sorted(also)])
        parts.append("SELECT member_id FROM also")
    statement.cte("chosen(member_id)", " UNION ".join(parts), params)
    return _read_chosen(statement, mine)


def _statement_on(mine: _Mine) -> _Statement:
    """A statement on the viewer's free tags' texts (``k``), when they list any."""
    statement = _Statement()
    if mine.keys:
        statement.values("k(key, topic)", mine.topic_keys())
    return statement


def _read_chosen(statement: _Statement, mine: _Mine) -> _TheirRows:
    body, params = _rows_of_chosen(mine)
    return _read_rows(statement.sql(body), [*statement.params, *params])


def _rows_among(mine: _Mine, members: Collection[int]) -> _TheirRows:
    """The rows of ``members`` on the viewer's skills and free tags (as parameters: the
    ORM prepares each id through the foreign key, which costs more than the query)."""
    if not members or not mine.sides:
        return _TheirRows()
    statement = _statement_on(mine)
    statement.values("chosen(member_id)", [(member_id,) for member_id in sorted(members)])
    return _read_chosen(statement, mine)


def _listers(mine: _Mine) -> dict[int, int]:
    """How many members list each of the viewer's topics: a skill's count is kept with
    the index (a row per skill), a free tag's was counted with the viewer's listings."""
    holders = meet_holders(list(mine.skills))
    holders.update(mine.listers)
    return holders


def _rarity(mine: _Mine, holders: dict[int, int]) -> dict[int, float]:
    # The community's size is kept with the index too (one row), not counted here.
    total = max(index_totals().members, max(holders.values(), default=1))
    return {topic: math.log(1 + total / max(holders.get(topic, 1), 1)) for topic in mine.sides}


def _others_helped(viewer_id: int, helped: list[Helped]) -> set[int]:
    return {
        each.answerer_id if each.asker_id == viewer_id else each.asker_id for each in helped
    } - {viewer_id}


# The sides as plain strings: the scoring loop looks them up thousands of times per
# page, and an enum member hashes through Python code.
_NEED = str(MeetSide.NEED.value)
_OFFER = str(MeetSide.OFFER.value)
_KNOWS = str(MeetSide.KNOWS.value)
_INTEREST = str(MeetSide.INTEREST.value)


@dataclass(frozen=True, slots=True)
class _MyListing:
    """What the viewer's listing of one skill brings to any pair, worked out once."""

    rarity: float
    needs: bool
    help: float  # what the viewer's giving is worth to someone who needs it
    offers: bool
    alike: bool  # gives it or is interested in it
    works: bool  # gives it

    @classmethod
    def of(cls, sides: dict[str, float], rarity: float) -> _MyListing:
        giving = max(sides.get(_OFFER, 0.0), sides.get(_KNOWS, 0.0))
        works = _OFFER in sides or _KNOWS in sides
        return cls(
            rarity=rarity,
            needs=_NEED in sides,
            help=HELP_WEIGHT * rarity * _claim(giving) if giving > 0 else 0.0,
            offers=_OFFER in sides,
            alike=works or _INTEREST in sides,
            works=works,
        )


def _score_pairs(
    viewer_id: int,
    mine: _Mine,
    theirs: Theirs,
    candidates: Collection[int],
    helped: list[Helped],
    rarity: dict[int, float],
    texts: dict[tuple[int, int], str] | None = None,
) -> dict[int, _Pair]:
    """Both sides' benefits for each of ``candidates`` (and nobody else), from their
    rows on the viewer's skills and free tags (``theirs``, by topic; ``texts``: their
    free tags' texts as they wrote them)."""
    listings = {topic: _MyListing.of(sides, rarity[topic]) for topic, sides in mine.sides.items()}
    their_texts = texts or {}

    def reason(kind: ReasonKind, topic: int, writer_id: int, giver_id: int | None) -> Reason:
        if topic > 0:
            return Reason(kind, topic, giver_id=giver_id)
        text = mine.texts[topic] if writer_id == viewer_id else their_texts[(writer_id, topic)]
        return Reason(kind, giver_id=giver_id, tag=text)

    pairs: dict[int, _Pair] = defaultdict(_Pair)
    for member_id, their_tags in theirs.items():
        if member_id == viewer_id:
            continue
        pair = pairs[member_id]
        # In skill order: the sums, so a tie between two people, never depend on the
        # order the database returned the rows in.
        for skill_id in sorted(their_tags):
            their_sides, me = their_tags[skill_id], listings[skill_id]
            # What they give that I need (and, if they offer it, I am their taker).
            if me.needs:
                giving = max(their_sides.get(_OFFER, 0.0), their_sides.get(_KNOWS, 0.0))
                if giving > 0:
                    help_ = HELP_WEIGHT * me.rarity * _claim(giving)
                    pair.mine += help_
                    offers = _OFFER in their_sides
                    if offers:
                        pair.theirs += TAKER_WEIGHT * me.rarity
                    kind = ReasonKind.OFFERS if offers else ReasonKind.KNOWS
                    pair.reasons.append((help_, reason(kind, skill_id, member_id, member_id)))
            # What I give that they need.
            if me.help > 0 and _NEED in their_sides:
                pair.theirs += me.help
                if me.offers:
                    pair.mine += TAKER_WEIGHT * me.rarity
                kind = ReasonKind.OFFERS if me.offers else ReasonKind.KNOWS
                pair.reasons.append((me.help, reason(kind, skill_id, viewer_id, viewer_id)))
            # Alike: both give it, or both are into it.
            if me.alike:
                they_work = _OFFER in their_sides or _KNOWS in their_sides
                if they_work or _INTEREST in their_sides:
                    alike = ALIKE_WEIGHT * me.rarity
                    pair.mine += alike
                    pair.theirs += alike
                    both_work = me.works and they_work
                    kind = ReasonKind.SHARED_WORK if both_work else ReasonKind.SHARED_INTEREST
                    pair.reasons.append((alike, reason(kind, skill_id, viewer_id, None)))
    for each in helped:
        viewer_asked = each.asker_id == viewer_id
        other = each.answerer_id if viewer_asked else each.asker_id
        if other == viewer_id or other not in candidates:
            continue
        weight = ANSWERED_WEIGHT * math.log1p(each.questions)
        pair = pairs[other]
        if viewer_asked:
            pair.mine += weight
            pair.theirs += ANSWERER_SHARE * weight
        else:
            pair.theirs += weight
            pair.mine += ANSWERER_SHARE * weight
        answered = Reason(
            ReasonKind.ANSWERED, each.tag_id, giver_id=each.answerer_id, count=each.questions
        )
        pair.reasons.append((weight, answered))
    return pairs


def _excluded_ids(viewer_id: int) -> set[int]:
    """The viewer, and whoever either side declined or was asked already: one query."""
    declined = DeclinedSuggestion.objects.filter(
        Q(member_id=viewer_id) | Q(other_id=viewer_id)
    ).values_list("member_id", "other_id")
    asked = Introduction.objects.filter(
        Q(asked_by_id=viewer_id) | Q(asked_of_id=viewer_id)
    ).values_list("asked_by_id", "asked_of_id")
    excluded = {viewer_id}
    for one, other in declined.union(asked, all=True):
        excluded |= {one, other}
    return excluded


def _exposure(viewer_id: int, member_ids: list[int]) -> dict[int, int]:
    since = timezone.now() - EXPOSURE_WINDOW
    return dict(
        Shown.objects.filter(member_id__in=member_ids, at__gte=since)
        .exclude(viewer_id=viewer_id)
        .values("member_id")
        .annotate(viewers=Count("pk"))
        .values_list("member_id", "viewers")
    )


def _closeness(viewer_id: int, member_ids: list[int]) -> dict[int, float]:
    """How close each member's profile is to the viewer's in meaning, from 0 (the
    farthest of them) to 1 (the closest); empty when the viewer has no profile vector."""
    vectors = dict(
        EvidenceVector.objects.filter(
            member_id__in=[viewer_id, *member_ids], question=EvidenceVector.PROFILE
        ).values_list("member_id", "vector")
    )
    mine = vectors.pop(viewer_id, None)
    if mine is None or not vectors:
        return {}
    owners = list(vectors)
    similarity = semantic.similarities(
        semantic.vector_of(bytes(mine)), [bytes(vectors[member_id]) for member_id in owners]
    )
    low, high = float(similarity.min()), float(similarity.max())
    if high <= low:
        return {}
    return {
        member_id: (value - low) / (high - low)
        for member_id, value in zip(owners, similarity.tolist(), strict=True)
    }


def _suggestions(
    viewer: Member, pairs: dict[int, _Pair], limit: int, *, damped: bool = True
) -> list[MeetSuggestion]:
    excluded = _excluded_ids(viewer.pk)
    scored = sorted(
        (
            (pair.score, member_id)
            for member_id, pair in pairs.items()
            if member_id not in excluded and pair.score > 0
        ),
        key=lambda item: (-item[0], item[1]),
    )
    pool = scored[: limit * DAMPED_POOL]
    if damped and pool:
        exposure = _exposure(viewer.pk, [member_id for _score, member_id in pool])
        pool = sorted(
            (
                (score / (1 + exposure.get(member_id, 0) / EXPOSURE_HALF), member_id)
                for score, member_id in pool
            ),
            key=lambda item: (-item[0], item[1]),
        )
    if pool and semantic.available():
        closeness = _closeness(viewer.pk, [member_id for _score, member_id in pool])
        pool = sorted(
            (
                (score * (1 + CLOSENESS_SHARE * closeness.get(member_id, 0.0)), member_id)
                for score, member_id in pool
            ),
            key=lambda item: (-item[0], item[1]),
        )
    members = community_members().in_bulk([member_id for _score, member_id in pool])
    chosen: list[MeetSuggestion] = []
    for score, member_id in pool:
        member = members.get(member_id)
        if member is None:
            continue
        reasons = [
            reason
            for _weight, reason in sorted(
                pairs[member_id].reasons, key=lambda item: (-item[0], item[1].kind)
            )
        ]
        chosen.append(MeetSuggestion(member, score, reasons[:REASONS_SHOWN]))
        if len(chosen) == limit:
            break
    return chosen


def people_to_meet(
    viewer: Member, limit: int = SUGGESTED, *, cut: CandidateCut | None = None
) -> list[MeetSuggestion]:
    """The best people for ``viewer`` to meet, each once, best first, with reasons;
    ``cut`` bounds the candidates (the default's; the benchmark compares others)."""
    if not may_see_members(viewer):
        return []
    mine = _tags_of(viewer.pk)
    helped = help_around(viewer.pk)
    # The answers around the viewer bring people the index's cut may have left out.
    others_helped = _others_helped(viewer.pk, helped)
    listers = _listers(mine)
    rarity = _rarity(mine, listers)
    found = _candidates_rows(mine, others_helped, rarity, listers, cut or CandidateCut())
    candidates = found.theirs.keys() | others_helped
    pairs = _score_pairs(viewer.pk, mine, found.theirs, candidates, helped, rarity, found.texts)
    return _suggestions(viewer, pairs, limit)


def pair_reasons(viewer: Member, other: Member) -> list[Reason]:
    """Why these two should meet (an introduction stores them), strongest first."""
    helped = help_around(viewer.pk)
    mine = _tags_of(viewer.pk)
    found = _rows_among(mine, {other.pk})
    pair = _score_pairs(
        viewer.pk,
        mine,
        found.theirs,
        {other.pk},
        helped,
        _rarity(mine, _listers(mine)),
        found.texts,
    ).get(other.pk)
    if pair is None:
        return []
    return [reason for _weight, reason in sorted(pair.reasons, key=lambda item: -item[0])]


@dataclass
class HereToday:
    """Where the viewer is now (a space, on site or remote) and whom to meet there."""

    space: Space
    remote: bool
    suggestions: list[MeetSuggestion]


def here_today(viewer: Member, limit: int = SUGGESTED) -> HereToday | None:
    """People to meet among those checked in where the viewer is now (on site or in the
    space's remote session), of those whose presence the viewer may see; None when the
    viewer is not checked in."""
    if not may_see_members(viewer):
        return None
    session = current_check_in(viewer)
    if session is None:
        return None
    present = present_member_ids(viewer, session.space) - {viewer.pk}
    mine = _tags_of(viewer.pk)
    pairs: dict[int, _Pair] = {}
    if present:
        found = _rows_among(mine, present)
        pairs = _score_pairs(
            viewer.pk,
            mine,
            found.theirs,
            present,
            help_around(viewer.pk),
            _rarity(mine, _listers(mine)),
            found.texts,
        )
    return HereToday(
        space=session.space,
        remote=session.kind == CheckInKind.REMOTE,
        # Who is in the room now matters more than who was shown elsewhere: no damping.
        suggestions=_suggestions(viewer, pairs, limit, damped=False),
    )


@dataclass
class Introductions:
    """A member's introductions: requests waiting for their answer; their own requests
    not yet accepted (declined ones look the same: declining is quiet); and the
    accepted ones, newest first."""

    requests: list[Introduction]
    asked: list[Introduction]
    introduced: list[Introduction]


def introductions_of(member: Member) -> Introductions:
    rows = list(
        Introduction.objects.filter(Q(asked_by=member) | Q(asked_of=member))
        .select_related("asked_by", "asked_of", "meet_space")
        .order_by("-created_at", "-pk")
    )
    return Introductions(
        requests=[
            row
            for row in rows
            if row.asked_of_id == member.pk and row.status == IntroductionStatus.PENDING
        ],
        asked=[
            row
            for row in rows
            if row.asked_by_id == member.pk and row.status != IntroductionStatus.ACCEPTED
        ],
        introduced=sorted(
            (row for row in rows if row.status == IntroductionStatus.ACCEPTED),
            key=lambda row: (row.decided_at or row.created_at, row.pk),
            reverse=True,
        ),
    )
