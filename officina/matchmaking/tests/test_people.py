"""People to meet: reciprocal, reasoned, damped by exposure, never declined, never a guest;
here today among who is checked in; the index follows a profile change incrementally."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.db.models import Count
from django.utils import translation

from officina.accounts.actions import check_create_project_guest, check_set_presence_visibility
from officina.accounts.kinds import PresenceVisibility
from officina.matchmaking.actions import do_decline_suggestion, do_record_shown
from officina.matchmaking.cards import suggestion_cards
from officina.matchmaking.models import MeetTag, Shown
from officina.matchmaking.people import (
    EVERY_LISTER,
    CandidateCut,
    HereToday,
    MeetSuggestion,
    _popular_topic,
    here_today,
    people_to_meet,
)
from officina.matchmaking.reasons import ReasonKind
from officina.presence.actions import check_check_in
from officina.skills.actions import check_add_member_skill, do_remove_member_skill
from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import MemberSkill

if TYPE_CHECKING:
    from officina.accounts.models import Member

# The index is rewritten when a transaction commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def names(suggestions: list[MeetSuggestion]) -> list[str]:
    return [each.member.display_name for each in suggestions]


def worded(
    viewer: Member, suggestions: list[MeetSuggestion], language: str = "en"
) -> dict[str, list[str]]:
    with translation.override(language):
        return {
            card.member.display_name: card.reasons for card in suggestion_cards(viewer, suggestions)
        }


def here(viewer: Member) -> HereToday:
    today = here_today(viewer)
    assert today is not None
    return today


@pytest.fixture
def offers_and_needs(community, tax, ux, giulia, marco, sara, luca):
    """Giulia needs Tax and VAT and offers UX design; Marco offers Tax and VAT and needs UX
    design; Sara knows Tax and VAT (a skill, not an offer) and needs nothing Giulia has;
    Luca is interested in UX design, like Giulia."""
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(giulia, ux, SkillKind.OFFER, level=SkillLevel.ADVANCED)
    check_add_member_skill(marco, tax, SkillKind.OFFER, level=SkillLevel.EXPERT)
    check_add_member_skill(marco, ux, SkillKind.NEED)
    check_add_member_skill(sara, tax, SkillKind.SKILL, level=SkillLevel.EXPERT)
    check_add_member_skill(luca, ux, SkillKind.INTEREST)


def test_complementary_people_are_suggested_both_ways_with_reasons_from_each_side(
    offers_and_needs, giulia, marco
):
    for_giulia = people_to_meet(giulia)
    assert names(for_giulia)[0] == "Marco Colombo"
    assert for_giulia[0].complementary and not for_giulia[0].similar
    assert sorted(worded(giulia, for_giulia)["Marco Colombo"]) == [
        "Marco Colombo needs UX design, which you offer",
        "Marco Colombo offers Tax and VAT, which you need",
    ]
    for_marco = people_to_meet(marco)
    assert names(for_marco)[0] == "Giulia Rossi"
    reasons = worded(marco, for_marco, "it")["Giulia Rossi"]
    assert "Giulia Rossi cerca Fisco e IVA, che tu offri" in reasons
    assert "Giulia Rossi offre UX design, che ti serve" in reasons


def test_who_only_knows_what_you_need_with_nothing_in_it_for_them_is_not_suggested(
    offers_and_needs, giulia, sara
):
    # Sara knows Tax and VAT, which Giulia needs, but neither offers it nor needs or shares
    # anything of Giulia's: the harmonic mean of "good for Giulia" and 0 is 0.
    assert "Sara Bianchi" not in names(people_to_meet(giulia))
    assert "Giulia Rossi" not in names(people_to_meet(sara))
    # Marco offers what Sara knows: they are alike, and that is good for both.
    (alike,) = people_to_meet(sara)
    assert alike.similar and not alike.complementary
    assert worded(sara, [alike])["Marco Colombo"] == ["you both work on Tax and VAT"]


def test_alike_people_are_labelled_similar(offers_and_needs, giulia, luca):
    (for_luca,) = people_to_meet(luca)
    assert for_luca.member == giulia
    assert for_luca.similar and not for_luca.complementary
    assert for_luca.reasons[0].kind == ReasonKind.SHARED_INTEREST
    assert worded(luca, [for_luca])["Giulia Rossi"] == ["you are both interested in UX design"]
    assert worded(luca, [for_luca], "it")["Giulia Rossi"] == [
        "siete entrambi interessati a UX design"
    ]


def test_each_person_is_suggested_once_whatever_the_number_of_reasons(
    offers_and_needs, giulia, marco, luca, tax, ux
):
    check_add_member_skill(marco, ux, SkillKind.INTEREST)
    check_add_member_skill(giulia, ux, SkillKind.INTEREST)
    suggestions = people_to_meet(giulia)
    assert names(suggestions).count("Marco Colombo") == 1
    (marco_card,) = [each for each in suggestions if each.member == marco]
    assert marco_card.complementary and marco_card.similar


def test_declined_suggestions_never_return_on_either_side(offers_and_needs, giulia, marco):
    do_decline_suggestion(giulia, marco)
    assert "Marco Colombo" not in names(people_to_meet(giulia))
    assert "Giulia Rossi" not in names(people_to_meet(marco))


def test_people_shown_often_are_shown_less(community, ux, giulia, make_member):
    check_add_member_skill(giulia, ux, SkillKind.INTEREST)
    first, second = make_member(first_name="Anna"), make_member(first_name="Bruno")
    for member in (first, second):
        check_add_member_skill(member, ux, SkillKind.INTEREST)
    assert names(people_to_meet(giulia)) == [first.display_name, second.display_name]
    for _each in range(10):
        do_record_shown(make_member(), [first.pk])
    assert names(people_to_meet(giulia)) == [second.display_name, first.display_name]
    # Giulia's own views of Anna are not what damps her for Giulia.
    Shown.objects.filter(member=first).delete()
    do_record_shown(giulia, [first.pk])
    assert names(people_to_meet(giulia))[0] == first.display_name


def test_project_guests_are_never_suggested_and_get_no_suggestions(offers_and_needs, ux, giulia):
    guest = check_create_project_guest(
        email="elena@cliente.example",
        password="a long pass phrase",
        first_name="Elena",
        last_name="Ferri",
    )
    MemberSkill.objects.create(member=guest, skill=ux, kind=SkillKind.NEED)
    # The guest's need is in the index (Giulia offers it), yet nobody sees the guest.
    assert MeetTag.objects.filter(member=guest, side="need").exists()
    assert "Elena Ferri" not in names(people_to_meet(giulia))
    assert people_to_meet(guest) == []
    assert here_today(guest) is None


def test_who_answered_your_questions_is_a_reason(experts, giulia, sara, tax):
    (for_giulia,) = [each for each in people_to_meet(giulia) if each.member == sara]
    assert worded(giulia, [for_giulia])["Sara Bianchi"] == [
        "Sara Bianchi answered 2 of your questions on Tax and VAT"
    ]
    (for_sara,) = [each for each in people_to_meet(sara) if each.member == giulia]
    assert worded(sara, [for_sara], "it")["Giulia Rossi"] == [
        "hai risposto a 2 domande di Giulia Rossi su Fisco e IVA"
    ]


def test_a_profile_change_rewrites_that_members_rows_only(offers_and_needs, giulia, marco, ux):
    others = set(MeetTag.objects.exclude(member=marco).values_list("pk", flat=True))
    do_remove_member_skill(MemberSkill.objects.get(member=marco, skill=ux, kind=SkillKind.NEED))
    assert set(MeetTag.objects.exclude(member=marco).values_list("pk", flat=True)) == others
    assert list(MeetTag.objects.filter(member=marco).values_list("side", flat=True)) == ["offer"]
    # Marco no longer needs what Giulia offers; he still offers what she needs.
    (marco_card,) = [each for each in people_to_meet(giulia) if each.member == marco]
    assert worded(giulia, [marco_card])["Marco Colombo"] == [
        "Marco Colombo offers Tax and VAT, which you need"
    ]


def test_here_today_suggests_among_who_is_checked_in_where_you_are(
    offers_and_needs, giulia, marco, luca, navigli, digital
):
    assert here_today(giulia) is None
    check_check_in(giulia, navigli)
    today = here_today(giulia)
    assert today is not None and today.space == navigli and not today.remote
    assert today.suggestions == []
    check_check_in(marco, navigli)
    check_check_in(luca, digital)  # Luca is elsewhere: not here today
    assert names(here(giulia).suggestions) == ["Marco Colombo"]
    # Marco hides his presence: he is not "here" for Giulia any more.
    check_set_presence_visibility(marco, PresenceVisibility.NOBODY)
    assert here(giulia).suggestions == []


def test_here_today_in_a_remote_session(offers_and_needs, giulia, luca, digital):
    check_check_in(giulia, digital)
    check_check_in(luca, digital)
    today = here(giulia)
    assert today.remote
    assert names(today.suggestions) == ["Luca Ferrari"]


# One query each: the viewer's listings (and their free tags' listers counted); answers
# around them and those questions' tags; the candidates with their rows on the viewer's
# skills and free tags; the kept listers per skill and the community's size; declines and
# introductions; exposure; the members shown.
PEOPLE_TO_MEET_QUERIES = 9


def test_people_to_meet_costs_the_same_few_queries_however_many_candidates(
    offers_and_needs, experts, giulia, marco, tax, make_member, django_assert_num_queries
):
    do_decline_suggestion(giulia, marco)
    with django_assert_num_queries(PEOPLE_TO_MEET_QUERIES):
        few = people_to_meet(giulia)
    for number in range(12):
        check_add_member_skill(make_member(first_name=f"Adviser{number}"), tax, SkillKind.OFFER)
    with django_assert_num_queries(PEOPLE_TO_MEET_QUERIES):
        many = people_to_meet(giulia)
    assert len(few) < len(many) == 8
    assert "Marco Colombo" not in names(many)


def test_the_database_picks_the_candidates_by_both_sides_not_by_index_order(
    community, tax, ux, giulia, make_member
):
    """Giulia needs Tax and VAT and offers UX design. Six advisers offer Tax and six
    people need UX design, all before Zeno in the index's order; Zeno alone does both.
    Cut to one per skill and side (the index's order), Zeno is never read; the
    database's rough score of both sides finds him as the one candidate it returns."""
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(giulia, ux, SkillKind.OFFER)
    for number in range(6):
        check_add_member_skill(make_member(first_name=f"Adviser{number}"), tax, SkillKind.OFFER)
        check_add_member_skill(make_member(first_name=f"Learner{number}"), ux, SkillKind.NEED)
    zeno = make_member(first_name="Zeno")
    check_add_member_skill(zeno, tax, SkillKind.OFFER)
    check_add_member_skill(zeno, ux, SkillKind.NEED)
    assert zeno.display_name not in names(
        people_to_meet(giulia, cut=CandidateCut(best=None, per_range=1))
    )
    assert names(people_to_meet(giulia, cut=CandidateCut(best=1))) == [zeno.display_name]
    assert names(people_to_meet(giulia, cut=EVERY_LISTER))[0] == zeno.display_name
    assert names(people_to_meet(giulia))[0] == zeno.display_name


def test_the_most_listed_topic_is_read_for_whom_the_others_reach(
    community, tax, ux, giulia, make_member
):
    """Giulia needs Tax and VAT, offered by more members than she lists anything else
    with, and offers UX design. Cut to 3 candidates, Tax and VAT's listers are read for
    the members UX design reaches and for the 3 strongest of each side only. Zeno, the
    last lister of both, offers Tax and needs UX design: found through UX design with
    his Tax row counted (three learners need UX design only, before him in the index's
    order: without his Tax row he would tie with them and lose). The same first three,
    scores included, as scoring every lister, and as reading Tax and VAT whole."""
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(giulia, ux, SkillKind.OFFER, level=SkillLevel.ADVANCED)
    for number in range(8):
        check_add_member_skill(make_member(first_name=f"Adviser{number}"), tax, SkillKind.OFFER)
    for number in range(3):
        check_add_member_skill(make_member(first_name=f"Learner{number}"), ux, SkillKind.NEED)
    zeno = make_member(first_name="Zeno")
    check_add_member_skill(zeno, tax, SkillKind.OFFER)
    check_add_member_skill(zeno, ux, SkillKind.NEED)
    listers = {tax.pk: 10, ux.pk: 5}  # with Giulia
    assert dict(MeetTag.objects.values_list("skill_id").annotate(Count("member"))) == listers
    assert _popular_topic(listers, listers.keys(), best=3) == tax.pk

    shown = people_to_meet(giulia, cut=CandidateCut(best=3))
    exact = people_to_meet(giulia, cut=EVERY_LISTER)
    assert names(shown)[0] == zeno.display_name
    assert [(each.member, each.score) for each in shown] == [
        (each.member, each.score) for each in exact[:3]
    ]
    whole = people_to_meet(giulia, cut=CandidateCut(best=3, popular=False))
    assert [(each.member, each.score) for each in shown] == [
        (each.member, each.score) for each in whole
    ]


def test_of_those_met_on_the_most_listed_topic_alone_the_strongest_are_read(
    community, tax, giulia, make_member
):
    """Giulia needs Tax and VAT only; nine members offer it, Ada last in the index's
    order but as an expert. Cut to 3 candidates, the 3 strongest offers are read, Ada
    first, with the scores of scoring every lister."""
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    for number in range(8):
        check_add_member_skill(make_member(first_name=f"Adviser{number}"), tax, SkillKind.OFFER)
    ada = make_member(first_name="Ada")
    check_add_member_skill(ada, tax, SkillKind.OFFER, level=SkillLevel.EXPERT)
    assert _popular_topic({tax.pk: 10}, [tax.pk], best=3) == tax.pk

    shown = people_to_meet(giulia, cut=CandidateCut(best=3))
    exact = people_to_meet(giulia, cut=EVERY_LISTER)
    assert names(shown)[0] == ada.display_name
    assert [(each.member, each.score) for each in shown] == [
        (each.member, each.score) for each in exact[:3]
    ]


def test_a_topic_is_bounded_only_when_it_outnumbers_the_others_and_the_cut():
    assert _popular_topic({1: 900, 2: 500, -3: 300}, [1, 2, -3], best=200) == 1
    assert _popular_topic({1: 700, 2: 500, -3: 300}, [1, 2, -3], best=200) is None
    assert _popular_topic({-3: 150}, [-3], best=200) is None
    assert _popular_topic({-3: 250}, [-3], best=200) == -3
    # Ties: the lowest id, so the same statement for the same viewer.
    assert _popular_topic({4: 600, 2: 600}, [4, 2], best=200) is None
    assert _popular_topic({}, [], best=200) is None
