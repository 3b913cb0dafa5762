"""Evidence a member states for a skill or a free tag on /skills/mine/: a link (http or
https) or a short text, added, edited and removed there, shown on the profile beside the
community's evidence. Malformed input gets a translated error and changes nothing."""

from __future__ import annotations

import pytest

from officina.core.errors import OfficinaError
from officina.skills.actions import (
    MAX_STATED_EVIDENCE,
    check_add_free_tag,
    check_add_member_skill,
    check_add_stated_evidence,
    check_edit_stated_evidence,
    do_remove_free_tag,
    do_remove_member_skill,
)
from officina.skills.kinds import SkillKind
from officina.skills.models import StatedEvidence

pytestmark = pytest.mark.django_db

MINE = "/skills/mine/"


@pytest.fixture
def listed(giulia, accounting):
    return check_add_member_skill(giulia, accounting, SkillKind.SKILL, level=3)


def test_a_member_adds_edits_and_removes_evidence_on_my_skills(client_for, giulia, listed):
    client = client_for(giulia)
    page = client.get(MINE).content.decode()
    assert f'action="/skills/mine/{listed.pk}/evidence/"' in page
    added = client.post(
        f"/skills/mine/{listed.pk}/evidence/",
        {
            f"evidence-skill-{listed.pk}-url": " https://example.com/bilanci ",
            f"evidence-skill-{listed.pk}-text": "Bilanci  di  tre cooperative",
        },
    )
    assert added.status_code == 302
    evidence = StatedEvidence.objects.get()
    assert (evidence.member_id, evidence.skill_id, evidence.tag_id) == (
        giulia.pk,
        listed.skill_id,
        None,
    )
    assert (evidence.url, evidence.text) == (
        "https://example.com/bilanci",
        "Bilanci di tre cooperative",
    )
    page = client.get(MINE).content.decode()
    assert 'value="https://example.com/bilanci"' in page
    assert "Evidence: 1 link or note" in page
    edited = client.post(
        f"/skills/mine/evidence/{evidence.pk}/",
        {f"evidence-{evidence.pk}-url": "", f"evidence-{evidence.pk}-text": "Tre bilanci"},
    )
    assert edited.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.url, evidence.text) == ("", "Tre bilanci")
    assert client.post(f"/skills/mine/evidence/{evidence.pk}/remove/").status_code == 302
    assert not StatedEvidence.objects.exists()


@pytest.mark.parametrize(
    ("url", "text", "english", "italian"),
    [
        (
            "",
            "  ",
            "Give a link, a short text, or both.",
            "Indica un link, un breve testo o entrambi.",
        ),
        (
            "javascript:alert(1)",
            "",
            "Enter a web address that starts with http:// or https://.",
            "Inserisci un indirizzo web che inizi con http:// o https://.",
        ),
        (
            "ftp://example.com/file",
            "",
            "Enter a web address that starts with http:// or https://.",
            "Inserisci un indirizzo web che inizi con http:// o https://.",
        ),
        (
            "https://",
            "",
            "Enter a web address that starts with http:// or https://.",
            "Inserisci un indirizzo web che inizi con http:// o https://.",
        ),
        (
            "https://example.com/" + "a" * 500,
            "",
            "Ensure this value has at most 500 characters",
            "Assicurati che questo valore non contenga più di 500 caratteri",
        ),
        (
            "",
            "x" * 201,
            "Ensure this value has at most 200 characters",
            "Assicurati che questo valore non contenga più di 200 caratteri",
        ),
    ],
)
def test_malformed_evidence_is_refused_in_both_languages_and_changes_nothing(
    client_for, giulia, listed, url, text, english, italian
):
    client = client_for(giulia)
    for language, message in (("en", english), ("it", italian)):
        response = client.post(
            f"/skills/mine/{listed.pk}/evidence/",
            {f"evidence-skill-{listed.pk}-url": url, f"evidence-skill-{listed.pk}-text": text},
            headers={"accept-language": language},
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        # The form that failed is shown again, open, with what was typed.
        assert '<details class="evidence-edit small" open>' in html
    assert not StatedEvidence.objects.exists()


def test_the_action_bounds_what_the_form_cannot(giulia, listed):
    with pytest.raises(OfficinaError):
        check_add_stated_evidence(listed, "", "x" * 201)
    with pytest.raises(OfficinaError):
        check_add_stated_evidence(listed, "https://example.com/" + "a" * 500, "")
    for number in range(MAX_STATED_EVIDENCE):
        check_add_stated_evidence(listed, f"https://example.com/{number}", "")
    with pytest.raises(OfficinaError) as refused:
        check_add_stated_evidence(listed, "https://example.com/more", "")
    assert "5 pieces of evidence" in str(refused.value.message)
    latest = StatedEvidence.objects.order_by("pk").last()
    assert latest is not None
    with pytest.raises(OfficinaError):  # made the same as another
        check_edit_stated_evidence(latest, "https://example.com/0", "")
    assert StatedEvidence.objects.count() == MAX_STATED_EVIDENCE


def test_needs_and_interests_take_no_evidence(giulia, accounting):
    need = check_add_member_skill(giulia, accounting, SkillKind.NEED)
    with pytest.raises(OfficinaError):
        check_add_stated_evidence(need, "https://example.com", "")
    tag = check_add_free_tag(giulia, "Ceramica raku", SkillKind.INTEREST, "it")
    with pytest.raises(OfficinaError):
        check_add_stated_evidence(tag.listing, "", "Un corso")
    assert not StatedEvidence.objects.exists()


def test_evidence_is_the_skills_and_goes_with_its_last_listing(
    client_for, giulia, listed, accounting
):
    offer = check_add_member_skill(giulia, accounting, SkillKind.OFFER)
    check_add_stated_evidence(offer, "https://example.com/studio", "")
    page = client_for(giulia).get(MINE).content.decode()
    # Shown and edited once, on the skill's first giving listing (the skill, not the offer).
    assert page.count("https://example.com/studio") == 1
    assert f'action="/skills/mine/{listed.pk}/evidence/"' in page
    assert f'action="/skills/mine/{offer.pk}/evidence/"' not in page
    do_remove_member_skill(listed)
    assert StatedEvidence.objects.count() == 1
    do_remove_member_skill(offer)
    assert not StatedEvidence.objects.exists()


def test_free_tags_take_evidence_too(client_for, giulia, marco):
    tag = check_add_free_tag(giulia, "Ceramica raku", SkillKind.SKILL, "it")
    check_add_free_tag(marco, "Ceramica raku", SkillKind.SKILL, "it")
    client = client_for(giulia)
    response = client.post(
        f"/skills/mine/free-tags/{tag.listing.pk}/evidence/",
        {
            f"evidence-tag-{tag.listing.pk}-url": "http://example.com/raku",
            f"evidence-tag-{tag.listing.pk}-text": "",
        },
    )
    assert response.status_code == 302
    assert StatedEvidence.objects.get().tag == tag.tag
    profile = client_for(marco).get(f"/members/{giulia.pk}/").content.decode()
    assert 'href="http://example.com/raku"' in profile
    do_remove_free_tag(tag.listing)  # type: ignore[arg-type]
    assert not StatedEvidence.objects.exists()


def test_nobody_adds_or_edits_anothers_evidence(client_for, giulia, marco, listed):
    evidence = check_add_stated_evidence(listed, "https://example.com/mine", "")
    other = client_for(marco)
    assert (
        other.post(
            f"/skills/mine/{listed.pk}/evidence/",
            {f"evidence-skill-{listed.pk}-url": "https://example.com/theirs"},
        ).status_code
        == 404
    )
    assert (
        other.post(
            f"/skills/mine/evidence/{evidence.pk}/",
            {f"evidence-{evidence.pk}-url": "https://example.com/theirs"},
        ).status_code
        == 404
    )
    assert other.post(f"/skills/mine/evidence/{evidence.pk}/remove/").status_code == 404
    evidence.refresh_from_db()
    assert evidence.url == "https://example.com/mine"


def test_the_profile_shows_stated_evidence_beside_the_communitys(client_for, giulia, marco, listed):
    row = listed
    from officina.skills.actions import check_endorse

    check_endorse(marco, row)
    check_add_stated_evidence(row, "https://example.com/bilanci", "Bilanci di tre cooperative")
    check_add_stated_evidence(row, "", "Revisore dal 2019")
    for language, summary in (
        ("en", "Evidence: 1 endorsement · 2 links or notes"),
        ("it", "Prove: 1 raccomandazione · 2 link o note"),
    ):
        html = (
            client_for(marco)
            .get(f"/members/{giulia.pk}/", headers={"accept-language": language})
            .content.decode()
        )
        assert summary in html
        assert (
            '<a href="https://example.com/bilanci" rel="nofollow noopener noreferrer ugc" '
            'target="_blank">Bilanci di tre cooperative</a>'
        ) in html
        assert "Revisore dal 2019" in html
