"""Why two members should meet, as data, and its wording for one reader.

A reason is stored and produced as a kind and its values, never as a sentence: the same
introduction is read by both sides, each in their own language and from their own side
("Marco offers Tax and VAT, which you need" to Giulia is "Giulia needs Tax and VAT,
which you offer" to Marco). Kinds are of two families, labelled apart on every page:

- *complementary*: one gives what the other needs (``offers``, ``knows``), or answered
  the other's questions (``answered``);
- *similar*: both work on a skill (``shared_work``) or are interested in it
  (``shared_interest``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from officina.skills.selectors import skill_names

if TYPE_CHECKING:
    from officina.skills.models import Skill


class ReasonKind(StrEnum):
    OFFERS = "offers"
    KNOWS = "knows"
    ANSWERED = "answered"
    SHARED_WORK = "shared_work"
    SHARED_INTEREST = "shared_interest"


COMPLEMENTARY = frozenset({ReasonKind.OFFERS, ReasonKind.KNOWS, ReasonKind.ANSWERED})
SIMILAR = frozenset({ReasonKind.SHARED_WORK, ReasonKind.SHARED_INTEREST})


@dataclass(frozen=True, slots=True)
class Reason:
    """``giver`` offers or knows ``skill``, which the other needs; ``giver`` (the
    answerer) answered ``count`` of the other's questions, most often on ``skill``; or
    both share ``skill``. Member ids are the pair's own, so either side can read it.
    Instead of a skill, a free tag: ``tag``, its text as the member wrote it (the giver,
    or the one who asked, for a shared one)."""

    kind: ReasonKind
    skill_id: int | None = None
    giver_id: int | None = None
    count: int = 0
    tag: str = ""

    @property
    def complementary(self) -> bool:
        return self.kind in COMPLEMENTARY

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": str(self.kind)}
        if self.skill_id is not None:
            data["skill"] = self.skill_id
        if self.giver_id is not None:
            data["giver"] = self.giver_id
        if self.count:
            data["count"] = self.count
        if self.tag:
            data["tag"] = self.tag
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Reason | None:
        """None for data this version does not know (a kind since removed)."""
        try:
            kind = ReasonKind(data["kind"])
        except (KeyError, ValueError):
            return None
        return cls(
            kind,
            data.get("skill"),
            data.get("giver"),
            int(data.get("count", 0)),
            str(data.get("tag", "")),
        )


def reasons_from_data(rows: Iterable[Mapping[str, Any]]) -> list[Reason]:
    return [reason for reason in map(Reason.from_data, rows) if reason is not None]


def skill_ids_of(reasons: Iterable[Reason]) -> set[int]:
    return {reason.skill_id for reason in reasons if reason.skill_id is not None}


def worded(reason: Reason, reader_id: int, other_name: str, skills: Mapping[int, Skill]) -> str:
    """The reason in the active language, for ``reader_id``; ``other_name`` is the other
    member of the pair."""
    skill = (
        skills[reason.skill_id].name
        if reason.skill_id is not None and reason.skill_id in skills
        else reason.tag
    )
    values = {"name": other_name, "skill": skill, "count": reason.count}
    reader_gives = reason.giver_id == reader_id
    if reason.kind == ReasonKind.OFFERS:
        if reader_gives:
            return _("%(name)s needs %(skill)s, which you offer") % values
        return _("%(name)s offers %(skill)s, which you need") % values
    if reason.kind == ReasonKind.KNOWS:
        if reader_gives:
            return _("%(name)s needs %(skill)s, which you know") % values
        return _("%(name)s knows %(skill)s, which you need") % values
    if reason.kind == ReasonKind.ANSWERED:
        if reader_gives and skill:
            text = ngettext(
                "you answered %(count)d of %(name)s's questions on %(skill)s",
                "you answered %(count)d of %(name)s's questions on %(skill)s",
                reason.count,
            )
        elif reader_gives:
            text = ngettext(
                "you answered %(count)d of %(name)s's questions",
                "you answered %(count)d of %(name)s's questions",
                reason.count,
            )
        elif skill:
            text = ngettext(
                "%(name)s answered %(count)d of your questions on %(skill)s",
                "%(name)s answered %(count)d of your questions on %(skill)s",
                reason.count,
            )
        else:
            text = ngettext(
                "%(name)s answered %(count)d of your questions",
                "%(name)s answered %(count)d of your questions",
                reason.count,
            )
        return text % values
    if reason.kind == ReasonKind.SHARED_WORK:
        return _("you both work on %(skill)s") % values
    return _("you are both interested in %(skill)s") % values


def word_for(reader_id: int, pairs: list[tuple[str, list[Reason]]]) -> list[list[str]]:
    """Each pair's reasons worded for ``reader_id`` (``pairs``: the other member's name and
    the reasons), with one query for every skill named."""
    skills = skill_names(sorted(set().union(*(skill_ids_of(reasons) for _n, reasons in pairs))))
    return [
        [worded(reason, reader_id, name, skills) for reason in reasons] for name, reasons in pairs
    ]
