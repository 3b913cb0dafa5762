"""Double opt-in introductions: either side asks, the other sees the reason, both accept
and a conversation with both opens (with a suggested time when they share a space today);
declining is quiet."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone, translation

from officina.bookings.actions import check_book
from officina.bookings.tests.fixtures import at
from officina.core.errors import OfficinaError
from officina.matchmaking.access import access_introduction_by_id
from officina.matchmaking.actions import check_answer_introduction, check_ask_introduction
from officina.matchmaking.cards import introduction_cards
from officina.matchmaking.kinds import IntroductionStatus
from officina.matchmaking.people import introductions_of, people_to_meet
from officina.matchmaking.timing import meeting_slot
from officina.notifications.models import Notification
from officina.notifications.wording import rendered_text
from officina.presence.actions import check_check_in
from officina.skills.actions import check_add_member_skill
from officina.skills.kinds import SkillKind
from officina.social.models import ConversationMember

if TYPE_CHECKING:
    from officina.accounts.models import Member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tax_pair(community, tax, giulia, marco):
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(marco, tax, SkillKind.OFFER)


def notification_texts(member: Member, language: str = "en") -> list[str]:
    with translation.override(language):
        return [
            rendered_text(row.text, row.params)
            for row in Notification.objects.filter(recipient=member).order_by("pk")
        ]


def test_both_accept_and_a_conversation_with_both_opens(tax_pair, giulia, marco):
    introduction = check_ask_introduction(giulia, marco)
    assert introduction.status == IntroductionStatus.PENDING
    assert introduction.reasons == [
        {"kind": "offers", "skill": introduction.reasons[0]["skill"], "giver": marco.pk}
    ]
    assert notification_texts(marco, "it") == ["Giulia Rossi vorrebbe conoscerti."]
    # Marco sees the request with its reason, from his side.
    (request,) = introductions_of(marco).requests
    with translation.override("en"):
        (card,) = introduction_cards(marco, [request])
    assert card.reasons == ["Giulia Rossi needs Tax and VAT, which you offer"]
    # Asked or introduced people are no longer suggestions: they are on the list below.
    assert people_to_meet(giulia) == [] and people_to_meet(marco) == []

    accepted = check_answer_introduction(
        marco, access_introduction_by_id(marco, introduction.pk), accept=True
    )
    assert accepted.status == IntroductionStatus.ACCEPTED
    members = set(
        ConversationMember.objects.filter(conversation=accepted.conversation).values_list(
            "member_id", flat=True
        )
    )
    assert members == {giulia.pk, marco.pk}
    assert accepted.meet_at is None  # no shared space today
    assert notification_texts(giulia)[-1] == "You and Marco Colombo are introduced: say hello."
    assert notification_texts(marco)[-1] == "You and Giulia Rossi are introduced: say hello."
    assert introductions_of(giulia).introduced == [accepted]
    with pytest.raises(OfficinaError, match="introduced already"):
        check_ask_introduction(marco, giulia)


def test_asking_back_is_accepting(tax_pair, giulia, marco):
    first = check_ask_introduction(marco, giulia)
    second = check_ask_introduction(giulia, marco)
    assert second.pk == first.pk and second.status == IntroductionStatus.ACCEPTED


def test_declining_is_quiet_and_final_for_the_one_who_asked(tax_pair, giulia, marco):
    introduction = check_ask_introduction(giulia, marco)
    before = notification_texts(giulia)
    check_answer_introduction(marco, introduction, accept=False)
    assert notification_texts(giulia) == before  # nobody tells Giulia
    (asked,) = introductions_of(giulia).asked  # she still sees "asked"
    assert asked.pk == introduction.pk
    assert introductions_of(marco).requests == []
    with pytest.raises(OfficinaError, match="You asked already"):
        check_ask_introduction(giulia, marco)
    assert people_to_meet(giulia) == []


def test_only_the_two_reach_an_introduction_and_only_the_one_asked_answers(
    tax_pair, giulia, marco, sara
):
    introduction = check_ask_introduction(giulia, marco)
    with pytest.raises(OfficinaError, match="Introduction not found"):
        access_introduction_by_id(sara, introduction.pk)
    with pytest.raises(OfficinaError, match="Only the person asked"):
        check_answer_introduction(giulia, introduction, accept=True)
    with pytest.raises(OfficinaError, match="That is you"):
        check_ask_introduction(giulia, giulia)
    assert introduction.status == IntroductionStatus.PENDING


def test_both_checked_in_at_the_same_space_get_a_place_and_time(tax_pair, giulia, marco, navigli):
    check_check_in(giulia, navigli)
    check_check_in(marco, navigli)
    introduction = check_ask_introduction(giulia, marco)
    accepted = check_answer_introduction(marco, introduction, accept=True)
    assert accepted.meet_space == navigli
    assert accepted.meet_at is not None
    now = timezone.now()
    assert now + timedelta(minutes=15) <= accepted.meet_at <= now + timedelta(minutes=31)
    assert accepted.meet_at.minute % 15 == 0
    text = notification_texts(giulia)[-1]
    assert text.startswith("You and Marco Colombo are introduced: how about Officina Navigli, ")


def test_bookings_the_same_day_in_the_same_space_suggest_when_the_later_arrives(
    community, giulia, marco, navigli, room, buffered_room, tomorrow
):
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 9), ends_at=at(navigli, tomorrow, 12))
    check_book(
        marco, buffered_room, starts_at=at(navigli, tomorrow, 11), ends_at=at(navigli, tomorrow, 14)
    )
    slot = meeting_slot(giulia, marco)
    assert slot is not None
    assert slot.space == navigli and slot.at == at(navigli, tomorrow, 11)
    # Not the same day: no suggestion.
    assert meeting_slot(giulia, community.sara) is None
