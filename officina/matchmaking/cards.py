"""People as the pages and the API show them: a member with the reasons as data and
worded for the reader, the families of those reasons (complementary, alike), and the
introduction they belong to, if any."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from officina.matchmaking.reasons import Reason, reasons_from_data, word_for

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.matchmaking.models import Introduction
    from officina.matchmaking.people import MeetSuggestion


@dataclass
class PersonCard:
    member: Member
    reasons: list[str]
    data: list[Reason]
    score: float | None = None
    introduction: Introduction | None = None

    @property
    def complementary(self) -> bool:
        return any(reason.complementary for reason in self.data)

    @property
    def similar(self) -> bool:
        return any(not reason.complementary for reason in self.data)


def suggestion_cards(viewer: Member, suggestions: list[MeetSuggestion]) -> list[PersonCard]:
    worded = word_for(viewer.pk, [(each.member.display_name, each.reasons) for each in suggestions])
    return [
        PersonCard(each.member, texts, each.reasons, score=each.score)
        for each, texts in zip(suggestions, worded, strict=True)
    ]


def introduction_cards(viewer: Member, rows: list[Introduction]) -> list[PersonCard]:
    others = [row.asked_of if row.asked_by_id == viewer.pk else row.asked_by for row in rows]
    reasons = [reasons_from_data(row.reasons) for row in rows]
    worded = word_for(
        viewer.pk, [(other.display_name, each) for other, each in zip(others, reasons, strict=True)]
    )
    return [
        PersonCard(other, texts, each, introduction=row)
        for other, texts, each, row in zip(others, worded, reasons, rows, strict=True)
    ]
