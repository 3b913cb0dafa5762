"""Free tags count in matchmaking where taxonomy skills do: people to meet and here today
(complementary and alike, by a tag's texts and synonyms folded), expert finding, team
suggestion, the endorsements graph; the index follows a tag's changes member by member."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.db import transaction
from django.utils import translation

from officina.accounts.actions import SignUp, do_sign_up_many
from officina.matchmaking import people
from officina.matchmaking.actions import do_index_members
from officina.matchmaking.cards import suggestion_cards
from officina.matchmaking.models import EvidenceSkill, EvidenceTerm, MeetFreeTag, MeetTag
from officina.matchmaking.people import (
    CANDIDATES,
    EVERY_LISTER,
    SUGGESTED,
    here_today,
    pair_reasons,
    people_to_meet,
)
from officina.matchmaking.reasons import ReasonKind
from officina.matchmaking.selectors import Asked, Ranking, rank_experts
from officina.matchmaking.teams import Tie, _ties_of, suggest_team
from officina.matchmaking.tests.test_people import PEOPLE_TO_MEET_QUERIES
from officina.presence.actions import check_check_in
from officina.skills.actions import (
    check_add_free_tag,
    check_add_member_skill,
    check_endorse,
    check_merge_free_tags,
    check_set_free_tag_synonyms,
    do_remove_free_tag,
)
from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import FreeTag, MemberFreeTag

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.matchmaking.people import MeetSuggestion

# The index is rewritten when a transaction commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def reasons_for(
    viewer: Member, suggestions: list[MeetSuggestion], language: str
) -> dict[str, list[str]]:
    with translation.override(language):
        return {
            card.member.display_name: card.reasons for card in suggestion_cards(viewer, suggestions)
        }


@pytest.fixture
def figma(community, giulia, marco):
    """Giulia needs "Figma prototyping" (English) and offers "Ceramica raku"; Marco offers
    "Prototipazione Figma" (Italian, a tag of its own whose synonym is "figma
    Prototyping") and needs "ceramica Raku". Linked by free tags only."""
    check_add_free_tag(giulia, "Figma prototyping", SkillKind.NEED, "en")
    check_add_free_tag(giulia, "Ceramica raku", SkillKind.OFFER, "it", level=SkillLevel.EXPERT)
    listed = check_add_free_tag(marco, "Prototipazione Figma", SkillKind.OFFER, "it")
    assert listed.tag is not None
    check_set_free_tag_synonyms(listed.tag, ["figma Prototyping"])
    check_add_free_tag(marco, "ceramica Raku", SkillKind.NEED, "it")
    return listed.tag


def test_two_members_linked_by_free_tags_only_are_complementary_with_the_tags_named(
    figma, giulia, marco
):
    assert not MeetTag.objects.filter(member__in=[giulia, marco]).exists()
    (suggestion,) = [each for each in people_to_meet(giulia) if each.member == marco]
    assert suggestion.complementary and not suggestion.similar
    assert {reason.kind for reason in suggestion.reasons} == {ReasonKind.OFFERS}
    assert sorted(reasons_for(giulia, [suggestion], "en")["Marco Colombo"]) == [
        "Marco Colombo needs Ceramica raku, which you offer",
        "Marco Colombo offers Prototipazione Figma, which you need",
    ]
    (back,) = [each for each in people_to_meet(marco) if each.member == giulia]
    # In Italian, from Marco's side: each tag as its giver wrote it.
    assert sorted(reasons_for(marco, [back], "it")["Giulia Rossi"]) == [
        "Giulia Rossi cerca Prototipazione Figma, che tu offri",
        "Giulia Rossi offre Ceramica raku, che ti serve",
    ]
    # An introduction stores the reason with the tag's text, worded when read.
    assert {reason.tag for reason in pair_reasons(giulia, marco)} == {
        "Prototipazione Figma",
        "Ceramica raku",
    }


def test_shared_interest_tags_are_alike(community, giulia, luca):
    check_add_free_tag(giulia, "Ceramica raku", SkillKind.INTEREST, "it")
    check_add_free_tag(luca, "CERAMICA RAKÙ", SkillKind.INTEREST, "en")
    (suggestion,) = [each for each in people_to_meet(giulia) if each.member == luca]
    assert suggestion.similar and not suggestion.complementary
    assert reasons_for(giulia, [suggestion], "en")["Luca Ferrari"] == [
        "you are both interested in Ceramica raku"
    ]


def test_here_today_counts_free_tags(figma, giulia, marco, navigli):
    check_check_in(giulia, navigli)
    check_check_in(marco, navigli)
    today = here_today(giulia)
    assert today is not None
    assert [each.member for each in today.suggestions] == [marco]


def test_free_tag_endorsements_weigh_and_tie_members_who_know_each_other(
    figma, giulia, marco, sara
):
    listing = MemberFreeTag.objects.get(member=marco, tag=figma)
    before = MeetFreeTag.objects.get(member=marco, tag=figma, key="prototipazione figma").weight
    check_endorse(sara, listing)
    after = MeetFreeTag.objects.get(member=marco, tag=figma, key="prototipazione figma").weight
    assert after > before
    assert _ties_of([marco.pk, sara.pk]).between(marco.pk, sara.pk) == [Tie.ENDORSEMENT]


def rows(member: Member) -> set[tuple[int, str, str, str]]:
    return set(MeetFreeTag.objects.filter(member=member).values_list("pk", "key", "side", "text"))


def test_a_tag_change_rewrites_the_rows_of_the_members_concerned_only(
    figma, giulia, marco, luca, django_assert_max_num_queries
):
    giulias, lucas = rows(giulia), rows(luca)
    check_add_free_tag(luca, "Ceramica raku", SkillKind.INTEREST, "it")
    assert rows(giulia) == giulias
    assert {(key, side) for _pk, key, side, _text in rows(luca)} == {("ceramica raku", "interest")}
    marcos, lucas = rows(marco), rows(luca)
    # The synonyms edited: Marco's rows follow, nobody else's move.
    check_set_free_tag_synonyms(figma, ["Figma prototyping", "Prototipi Figma"])
    assert rows(giulia) == giulias and rows(luca) == lucas
    assert {key for _pk, key, _side, _text in rows(marco)} == {
        "prototipazione figma",
        "figma prototyping",
        "prototipi figma",
        "ceramica raku",
    }
    assert rows(marco) != marcos
    # Removed: gone from the index at once, no rebuild.
    do_remove_free_tag(MemberFreeTag.objects.get(member=luca))
    assert rows(luca) == set() and rows(giulia) == giulias
    assert luca not in [each.member for each in people_to_meet(giulia)]


def test_a_merge_into_another_tag_reindexes_its_members(figma, giulia, marco, sara):
    check_add_free_tag(sara, "Figma prototipi", SkillKind.OFFER, "it")
    giulias = rows(giulia)
    source = FreeTag.objects.get(key="figma prototipi")
    check_merge_free_tags([source], into_tag=figma)
    assert rows(giulia) == giulias
    assert {key for _pk, key, _side, _text in rows(sara)} >= {
        "prototipazione figma",
        "figma prototipi",
    }
    assert sara in [each.member for each in people_to_meet(giulia)]


def test_expert_finding_ranks_a_free_tag_expert(community, giulia, marco, luca):
    check_add_free_tag(marco, "Figma prototyping", SkillKind.OFFER, "en", level=SkillLevel.EXPERT)
    check_add_free_tag(luca, "Watercolour", SkillKind.OFFER, "en")
    asked = Asked("How do I share a Figma prototype?", "Prototyping a mobile app.", (), giulia.pk)
    ranked = [member_id for member_id, _score in rank_experts(asked, Ranking.HYBRID)]
    assert ranked[:1] == [marco.pk]
    assert EvidenceTerm.objects.filter(member=marco, term__startswith="figm").exists()


def test_a_team_covers_a_required_skill_through_a_free_tag(community, tax, giulia, marco, luca):
    check_add_free_tag(marco, "Consulenza partita IVA forfettaria", SkillKind.OFFER, "it")
    assert EvidenceSkill.objects.filter(member=marco, skill=tax).exists()
    team = suggest_team(luca, [tax.pk])
    assert [each.member for each in team.members] == [marco]
    assert team.uncovered == []
    with translation.override("it"):
        (member,) = suggest_team(luca, [tax.pk]).members
    assert member.reasons[0] == "offre Consulenza partita IVA forfettaria"


def test_a_rebuild_gives_the_same_rows(figma, giulia, marco):
    before = {(m, k, s, t, w) for _pk, m, k, s, t, w in _all()}
    do_index_members([giulia.pk, marco.pk])
    assert {(m, k, s, t, w) for _pk, m, k, s, t, w in _all()} == before


def _all() -> list[tuple[int, int, str, str, str, float]]:
    return list(MeetFreeTag.objects.values_list("pk", "member_id", "key", "side", "text", "weight"))


def test_a_skill_still_meets_as_before(community, tax, giulia, marco):
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(marco, tax, SkillKind.OFFER)
    assert [each.member for each in people_to_meet(giulia)] == [marco]


def test_the_api_gives_a_free_tag_reason_with_its_text(api_as, figma, giulia, marco):
    (person,) = api_as(giulia).get("/people-to-meet").json()
    assert {(reason["skill_id"], reason["tag"]) for reason in person["reasons"]} == {
        (None, "Prototipazione Figma"),
        (None, "Ceramica raku"),
    }


def test_a_tag_listed_by_more_members_than_are_scored_still_finds_the_best(
    community, tax, giulia, marco, sara, luca, monkeypatch, django_assert_num_queries
):
    """Giulia offers "Ceramica raku" (expert) and needs "Figma prototyping". More members
    than are scored exactly need Ceramica raku and nothing else; three of its listers also
    give what she needs: Marco offers it (as "Prototipazione Figma", whose synonym it
    is), Luca knows it as an expert, Sara as a beginner. The database's rough score
    counts the free tags, so those three are among the few scored, in the exact order.
    She needs a skill too (nobody gives it): skills and tags are read together."""
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_free_tag(giulia, "Figma prototyping", SkillKind.NEED, "en")
    check_add_free_tag(giulia, "Ceramica raku", SkillKind.OFFER, "it", level=SkillLevel.EXPERT)
    with transaction.atomic():  # the crowd is indexed once, when this commits
        crowd = do_sign_up_many(
            [
                SignUp(f"crowd{number}@officina.test", "crowd-password", "Crowd", str(number))
                for number in range(CANDIDATES + 100)
            ]
        )
        for member in crowd:
            check_add_free_tag(member, "ceramica Raku", SkillKind.NEED, "it")
    listed = check_add_free_tag(marco, "Prototipazione Figma", SkillKind.OFFER, "it")
    assert listed.tag is not None
    check_set_free_tag_synonyms(listed.tag, ["Figma prototyping"])
    check_add_free_tag(luca, "Figma prototyping", SkillKind.SKILL, "en", level=SkillLevel.EXPERT)
    check_add_free_tag(sara, "Figma prototyping", SkillKind.SKILL, "en", level=SkillLevel.BEGINNER)
    for member in (marco, luca, sara):
        check_add_free_tag(member, "Ceramica raku", SkillKind.NEED, "it")

    scored: list[int] = []
    score_pairs = people._score_pairs

    def counting(viewer_id: int, mine: Any, theirs: Any, *rest: Any) -> Any:
        scored.append(len(theirs))
        return score_pairs(viewer_id, mine, theirs, *rest)

    monkeypatch.setattr(people, "_score_pairs", counting)
    # As many as for a viewer without free tags, but for the tags of questions answered
    # around her (there are none): her listings (each tag's listers counted with them),
    # the candidates chosen by the rough score with their rows on her skills and tags.
    with django_assert_num_queries(PEOPLE_TO_MEET_QUERIES - 1):
        shown = people_to_meet(giulia)
    exact = people_to_meet(giulia, cut=EVERY_LISTER)
    assert scored == [CANDIDATES, len(crowd) + 4]  # every lister: the crowd, the three, her
    best = ["Marco Colombo", "Luca Ferrari", "Sara Bianchi"]
    assert [each.member.display_name for each in exact[:3]] == best
    assert [(each.member, each.score) for each in shown] == [
        (each.member, each.score) for each in exact
    ]
    assert len(shown) == SUGGESTED
    assert reasons_for(giulia, shown[:1], "en")["Marco Colombo"][0] == (
        "Marco Colombo offers Prototipazione Figma, which you need"
    )
