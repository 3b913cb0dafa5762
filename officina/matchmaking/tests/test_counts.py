"""The kept counts (members per word, holders per skill, totals, members listing a skill
for people to meet) follow every re-index exactly: after profile edits, answers, an
acceptance, a skill added or removed, they equal a count made from scratch from the
index rows."""

from __future__ import annotations

import pytest

from officina.knowledge.actions import check_accept_answer, check_answer_question
from officina.matchmaking.counts import do_recount
from officina.matchmaking.models import IndexTotals, MeetHolders, SkillHolders, TermMembers
from officina.skills.actions import check_add_member_skill, do_remove_member_skill
from officina.skills.kinds import SkillKind
from officina.skills.models import MemberSkill
from officina.social.actions import do_update_profile

pytestmark = pytest.mark.django_db(transaction=True)


def kept() -> tuple[dict[str, int], dict[int, int], tuple[int, int], dict[int, int]]:
    totals = IndexTotals.objects.get(pk=1)
    return (
        dict(TermMembers.objects.values_list("term", "members")),
        dict(SkillHolders.objects.values_list("skill_id", "members")),
        (totals.members, totals.length),
        dict(MeetHolders.objects.values_list("skill_id", "members")),
    )


def test_kept_counts_equal_a_recount_after_every_kind_of_change(
    experts, vat_question, giulia, marco, sara, luca, tax, ux
):
    check_add_member_skill(luca, tax, SkillKind.NEED)
    check_add_member_skill(luca, tax, SkillKind.INTEREST)  # a second side: still one lister
    check_add_member_skill(giulia, ux, SkillKind.NEED)
    do_update_profile(luca, headline="Accessibility", bio="Screen readers, VAT.", links=[])
    do_update_profile(luca, headline="Accessibility", bio="Screen readers only.", links=[])
    answer = check_answer_question(marco, vat_question, body="Ask for reverse charge invoices.")
    check_accept_answer(giulia, answer)
    do_remove_member_skill(MemberSkill.objects.get(member=marco, kind="offer"))
    counts = kept()
    assert counts[0]["vat"] >= 2  # marco's and sara's evidence at least
    assert "screen" in counts[0] and counts[0]["screen"] == 1
    assert counts[3][ux.pk] == 1  # giulia's need
    do_recount()
    assert kept() == counts


def test_a_word_nobody_uses_any_more_leaves_the_counts(experts, luca):
    do_update_profile(luca, headline="Zymurgy", bio="", links=[])
    assert TermMembers.objects.filter(term="zymurgi").exists()
    do_update_profile(luca, headline="UX designer", bio="", links=[])
    assert not TermMembers.objects.filter(term="zymurgi").exists()
