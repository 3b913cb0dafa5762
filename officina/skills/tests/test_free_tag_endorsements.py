"""A colleague's free tag is endorsed as a taxonomy skill is: never your own, once per
endorser, withdrawable, the member notified; the profile shows the count and who; a
merge takes the endorsements along, one per endorser on the listing they end up on."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification
from officina.skills.actions import (
    check_add_free_tag,
    check_add_member_skill,
    check_endorse,
    check_merge_free_tags,
    do_merge_free_tag,
    do_remove_free_tag,
    do_withdraw_endorsement,
)
from officina.skills.kinds import SkillKind
from officina.skills.models import Endorsement, MemberFreeTag, MemberSkill
from officina.skills.selectors import member_free_tags
from officina.skills.tests.test_free_tag_merges import merge_in_admin

pytestmark = pytest.mark.django_db


def listed(member: Any, text: str, kind: str = SkillKind.SKILL, language: str = "it") -> Any:
    listing = check_add_free_tag(member, text, kind, language).listing
    assert isinstance(listing, MemberFreeTag)
    return listing


def test_a_free_tag_is_endorsed_once_never_by_its_member_and_can_be_withdrawn(giulia, marco):
    raku = listed(giulia, "Ceramica raku")
    check_endorse(marco, raku)
    with pytest.raises(OfficinaError) as twice:
        check_endorse(marco, raku)
    assert twice.value.code == ErrorCode.CONFLICT
    with pytest.raises(OfficinaError) as yourself:
        check_endorse(giulia, raku)
    assert yourself.value.code == ErrorCode.INVALID_INPUT
    assert [(e.endorser, e.member_free_tag, e.member_skill) for e in Endorsement.objects.all()] == [
        (marco, raku, None)
    ]
    assert do_withdraw_endorsement(marco, raku)
    assert not do_withdraw_endorsement(marco, raku)
    assert not Endorsement.objects.exists()


def test_a_need_or_an_interest_in_a_free_tag_is_not_endorsable(giulia, marco):
    for kind in (SkillKind.NEED, SkillKind.INTEREST):
        with pytest.raises(OfficinaError) as refused:
            check_endorse(marco, listed(giulia, f"Tessitura {kind}", kind))
        assert refused.value.code == ErrorCode.INVALID_INPUT
    assert not Endorsement.objects.exists()


def test_the_member_is_notified_with_the_tag_as_they_wrote_it(giulia, marco):
    with translation.override("en"):  # sent while the endorser reads English
        check_endorse(marco, listed(giulia, "Ceramica raku"))
    notice = Notification.objects.get(recipient=giulia, kind="skills.endorsement")
    with translation.override("it"):
        assert (
            notice.shown_text
            == f"{marco.display_name} ha raccomandato la tua competenza “Ceramica raku”."
        )
    with translation.override("en"):
        assert notice.shown_text == f"{marco.display_name} endorsed your skill “Ceramica raku”."


def test_a_removed_free_tag_takes_its_endorsements_along(giulia, marco):
    raku = listed(giulia, "Ceramica raku")
    check_endorse(marco, raku)
    do_remove_free_tag(raku)
    assert not Endorsement.objects.exists()


def test_the_counts_and_the_viewers_endorsement_in_one_query(
    giulia, marco, sara, django_assert_num_queries
):
    raku = listed(giulia, "Ceramica raku")
    listed(giulia, "Tessitura", SkillKind.NEED)
    check_endorse(marco, raku)
    check_endorse(sara, raku)
    with django_assert_num_queries(1):
        rows = {row.tag.text: row for row in member_free_tags(giulia, marco)}
    counts = {text: (row.endorsement_count, row.endorsed_by_viewer) for text, row in rows.items()}  # type: ignore[attr-defined]
    assert counts == {"Ceramica raku": (2, True), "Tessitura": (0, False)}
    (mine,) = [row for row in member_free_tags(giulia, giulia) if row.tag_id == raku.tag_id]
    assert (mine.endorsement_count, mine.endorsed_by_viewer) == (2, False)  # type: ignore[attr-defined]


def test_endorsing_from_the_profile_and_withdrawing(client_for, giulia, marco):
    raku = listed(giulia, "Ceramica raku")
    profile = f"/members/{giulia.pk}/"
    client = client_for(marco)
    page = client.get(profile).content.decode()
    assert f'action="/skills/endorse/free-tag/{raku.pk}/"' in page
    assert "0 endorsements" in page
    sent = client.post(f"/skills/endorse/free-tag/{raku.pk}/", {"next": profile}, follow=True)
    assert sent.redirect_chain[-1][0] == profile
    page = sent.content.decode()
    assert "1 endorsement" in page and "Endorsement sent." in page
    assert "Withdraw endorsement" in page and f'Endorsed by <a href="/members/{marco.pk}/">' in page
    # A second click (another tab) changes nothing and says nothing.
    again = client.post(f"/skills/endorse/free-tag/{raku.pk}/", {"next": profile}, follow=True)
    assert Endorsement.objects.count() == 1 and "Endorsement sent." not in again.content.decode()
    client.post(f"/skills/endorse/free-tag/{raku.pk}/", {"next": profile, "withdraw": "1"})
    assert not Endorsement.objects.exists()


def test_own_profile_offers_no_endorsing_and_a_stranger_finds_nothing(
    client_for, giulia, marco, outsider
):
    raku = listed(giulia, "Ceramica raku")
    own = client_for(giulia).get(f"/members/{giulia.pk}/").content.decode()
    assert "/skills/endorse/free-tag/" not in own and "0 endorsements" in own
    refused = client_for(giulia).post(f"/skills/endorse/free-tag/{raku.pk}/")
    assert refused.status_code == 400
    assert client_for(marco).post("/skills/endorse/free-tag/999999/").status_code == 404
    assert not Endorsement.objects.exists()


def test_merged_into_a_skill_the_endorsements_follow_one_per_endorser(
    giulia, marco, sara, luca, accounting
):
    # Giulia lists the skill and the tag; Marco endorsed both, Sara the tag only.
    skill_row = check_add_member_skill(giulia, accounting, SkillKind.SKILL)
    tag_row = listed(giulia, "Partita doppia")
    offer = listed(giulia, "Partita doppia", SkillKind.OFFER)
    check_endorse(marco, skill_row)
    check_endorse(marco, tag_row)
    check_endorse(sara, tag_row)
    check_endorse(luca, offer)
    do_merge_free_tag(tag_row.tag, accounting)
    new_offer = MemberSkill.objects.get(member=giulia, skill=accounting, kind=SkillKind.OFFER)
    given = sorted(
        (e.member_skill_id, e.endorser_id)
        for e in Endorsement.objects.filter(member_free_tag__isnull=True)
    )
    assert given == sorted(
        [(skill_row.pk, marco.pk), (skill_row.pk, sara.pk), (new_offer.pk, luca.pk)]
    )
    assert Endorsement.objects.count() == 3


def test_merged_into_another_tag_in_the_admin_the_endorsements_follow(
    client_for, admin, giulia, marco, sara, luca
):
    react = listed(giulia, "React", language="en")
    reactjs = listed(giulia, "ReactJS", language="en")
    other = listed(sara, "react.js", language="en")
    check_endorse(marco, react)
    check_endorse(marco, reactjs)  # twice the same vouching: once after the merge
    check_endorse(luca, reactjs)
    check_endorse(marco, other)
    merge_in_admin(client_for(admin), [react.tag, reactjs.tag, other.tag], into_tag=react.tag)
    given = sorted(
        Endorsement.objects.values_list(
            "member_free_tag__member_id", "endorser_id", "member_free_tag__tag_id"
        )
    )
    assert given == sorted(
        [
            (giulia.pk, marco.pk, react.tag.pk),
            (giulia.pk, luca.pk, react.tag.pk),
            (sara.pk, marco.pk, react.tag.pk),
        ]
    )
    # The admin lists them, each with the listing it vouches for.
    listed_page = client_for(admin).get("/admin/skills/endorsement/")
    assert listed_page.context["cl"].result_count == 3 and "React (en)" in listed_page.text


def test_several_tags_merged_into_a_skill_keep_one_endorsement_per_endorser(
    giulia, marco, accounting
):
    first = listed(giulia, "Partita doppia")
    second = listed(giulia, "Contabilità ordinaria")
    check_endorse(marco, first)
    check_endorse(marco, second)
    check_merge_free_tags([first.tag, second.tag], into_skill=accounting)
    row = MemberSkill.objects.get(member=giulia, skill=accounting)
    assert [(e.member_skill_id, e.endorser_id) for e in Endorsement.objects.all()] == [
        (row.pk, marco.pk)
    ]
