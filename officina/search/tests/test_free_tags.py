"""Members are found by their free tags as by the taxonomy's skills: in the site search and
in the directory's skill filter, in either language, accents and case aside; the index
follows a tag added, renamed, removed or merged. Run on SQLite, and on PostgreSQL with
DATABASE_URL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officina.accounts.models import Member
from officina.search.actions import do_rebuild_index
from officina.search.selectors import search
from officina.search.stemming import fold_accents
from officina.skills.actions import (
    check_add_free_tag,
    check_rename_free_tag,
    do_merge_free_tag,
    do_remove_free_tag,
)
from officina.skills.kinds import SkillCategory, SkillKind
from officina.skills.models import FreeTag
from officina.social.selectors import directory_page

pytestmark = pytest.mark.django_db


def found(viewer: Member, query: str) -> list[int]:
    return [
        hit.object_id for hit in search(viewer, query, kinds=["member"]).groups.get("member", [])
    ]


def in_directory(skill: str) -> set[int]:
    return {member.pk for member in directory_page(skill=skill).object_list}


@pytest.fixture
def tagged(giulia, marco, sara, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        check_add_free_tag(giulia, "Ceramica Raku", SkillKind.SKILL, "it", level=3)
        check_add_free_tag(marco, "ReactJS", SkillKind.OFFER, "en")
        check_add_free_tag(sara, "Tessitura a mano", SkillKind.NEED, "it")


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("ceramica raku", "giulia"),
        ("CERAMICA", "giulia"),  # case aside
        ("raku", "giulia"),
        ("reactjs", "marco"),
        ("React", "marco"),  # the last word is a prefix while typing
        ("tessitura", "sara"),
        ("tessiture", "sara"),  # the Italian stem
        ("tèssitura", "sara"),  # accents aside
    ],
)
def test_site_search_finds_members_by_their_free_tags(tagged, giulia, marco, sara, query, who):
    if connection.vendor == "postgresql" and query != fold_accents(query):
        pytest.skip("PostgreSQL's text search folds no accents, for skills' names neither")
    members = {"giulia": giulia, "marco": marco, "sara": sara}
    assert found(marco, query) == [members[who].pk]


def test_the_search_page_shows_the_tag_in_both_languages(tagged, client_for, giulia, marco):
    for language, group in (("it", "Membri"), ("en", "Members")):
        page = client_for(marco).get(
            reverse("search:results"), {"q": "raku"}, headers={"accept-language": language}
        )
        html = page.content.decode()
        assert group in html
        assert f'href="/members/{giulia.pk}/"' in html


def test_the_index_follows_the_tag(giulia, marco, accounting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        listed = check_add_free_tag(giulia, "Partita doppia", SkillKind.SKILL, "it")
    assert found(marco, "partita doppia") == [giulia.pk]
    assert listed.tag is not None
    with django_capture_on_commit_callbacks(execute=True):
        check_rename_free_tag(listed.tag, "Contabilità in partita doppia")
    assert found(marco, "contabilita partita") == [giulia.pk]
    with django_capture_on_commit_callbacks(execute=True):
        do_merge_free_tag(listed.tag, accounting)
    # Merged: she is found by the skill's names in both languages, not by the old tag
    # (its text is now a synonym of the skill, which the index of skills does not hold).
    assert found(marco, "accounting") == [giulia.pk]
    assert found(marco, "doppia") == []
    with django_capture_on_commit_callbacks(execute=True):
        other = check_add_free_tag(marco, "Legatoria giapponese", SkillKind.SKILL, "it")
    assert found(giulia, "legatoria") == [marco.pk]
    with django_capture_on_commit_callbacks(execute=True):
        do_remove_free_tag(other.listing)  # type: ignore[arg-type]
    assert found(giulia, "legatoria") == []
    assert not FreeTag.objects.filter(key="legatoria giapponese").exists()


def test_a_rebuilt_index_holds_the_free_tags(giulia, marco):
    check_add_free_tag(giulia, "Ceramica Raku", SkillKind.SKILL, "it")
    do_rebuild_index()
    assert found(marco, "raku") == [giulia.pk]


def test_search_page_queries_do_not_grow_with_free_tags(
    tagged, client_for, giulia, marco, make_member
):
    """A member found by a free tag costs what one found by anything else: the same
    queries however many members and tags match (members found: ranked ids, visibility,
    documents; posts, questions and companies: ranked ids only; then the session, the
    member and the notifications' badge)."""

    client = client_for(giulia)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("search:results"), {"q": "raku"})
        assert response.status_code == 200
        return len(captured.captured_queries)

    few = page_queries()
    for number in range(20):
        check_add_free_tag(make_member(), f"Ceramica raku {number}", SkillKind.SKILL, "it")
    do_rebuild_index()
    many = page_queries()
    assert few == many == 1 * 3 + 3 * 1 + 3


def test_the_directory_filter_finds_free_tags_as_skills(tagged, giulia, marco, sara, accounting):
    from officina.skills.actions import check_add_member_skill

    check_add_member_skill(sara, accounting, SkillKind.OFFER)
    # A skill by its slug, by either name, accents and case aside.
    assert in_directory("accounting") == {sara.pk}
    assert in_directory("CONTABILITA") == {sara.pk}
    # A free tag by its text, however written, whatever the language of the tag.
    assert in_directory("ceramica raku") == {giulia.pk}
    assert in_directory("  Céramica   RAKU ") == {giulia.pk}
    assert in_directory("reactjs") == {marco.pk}
    # Another member writes the same tag in English: one filter finds both.
    check_add_free_tag(sara, "ceramica raku", SkillKind.INTEREST, "en")
    assert in_directory("ceramica raku") == {giulia.pk, sara.pk}
    assert in_directory("raku") == set()  # a filter is one whole tag, not its words
    assert in_directory("nothing like it") == set()


def test_the_directory_page_offers_the_free_tags(
    tagged, client_for, giulia, marco, make_member, django_assert_num_queries
):
    client = client_for(marco)
    for language, group in (("it", "Con le parole dei membri"), ("en", "In members’ own words")):
        html = client.get("/members/", headers={"accept-language": language}).content.decode()
        assert f'<optgroup label="{group}">' in html
        assert '<option value="ceramica raku">Ceramica Raku</option>' in html
    page = client.get("/members/", {"skill": "ceramica raku"})
    assert [member.pk for member in page.context["page"].object_list] == [giulia.pk]
    assert '<option value="ceramica raku" selected>Ceramica Raku</option>' in page.content.decode()
    # A tag too rare to be offered is still shown as the filter in use.
    rare = client.get("/members/", {"skill": "Tessitura a mano"}).content.decode()
    assert '<option value="tessitura a mano" selected>' in rare
    # The query count does not grow with the members and the tags listed.
    for number in range(20):
        check_add_free_tag(make_member(), f"Tag {number}", SkillKind.SKILL, "en")
    # session + member, the slug, the skills (names), count, page, companies of the
    # page, top skills of the page, whose presence the viewer may see, who is on a
    # call, the skills of the filter, the free tags of the filter, the tags merged from
    # the filter's text, badge.
    with django_assert_num_queries(14):
        client.get("/members/", {"skill": "ceramica raku"})


def test_merged_free_tags_texts_keep_finding_their_members(
    giulia, marco, sara, client_for, django_capture_on_commit_callbacks
):
    """Merged into "React", "ReactJS" and "react.js" are the tag's synonyms: the site
    search and the directory's filter still find who listed them, and who lists React."""
    from officina.skills.actions import check_merge_free_tags

    with django_capture_on_commit_callbacks(execute=True):
        react = check_add_free_tag(giulia, "React", SkillKind.SKILL, "en").tag
        reactjs = check_add_free_tag(marco, "ReactJS", SkillKind.OFFER, "en").tag
        dotted = check_add_free_tag(sara, "react.js", SkillKind.SKILL, "it").tag
    assert react and reactjs and dotted
    assert found(giulia, "reactjs") == [marco.pk] and in_directory("reactjs") == {marco.pk}
    with django_capture_on_commit_callbacks(execute=True):
        check_merge_free_tags([reactjs, dotted], into_tag=react)
    react.refresh_from_db()
    assert react.synonyms == ["ReactJS", "react.js"]
    everyone = {giulia.pk, marco.pk, sara.pk}
    for text in ("reactjs", "ReactJS", " REACT.JS ", "React"):
        assert in_directory(text) == everyone, text
    assert set(found(giulia, "reactjs")) == everyone
    assert in_directory("react native") == set()
    # The index rebuilt from scratch holds the merged texts too.
    do_rebuild_index()
    assert set(found(giulia, "reactjs")) == everyone
    # The search page and the directory page, in both languages.
    client = client_for(giulia)
    for language in ("it", "en"):
        headers = {"accept-language": language}
        html = client.get(reverse("search:results"), {"q": "ReactJS"}, headers=headers).text
        assert all(f'href="/members/{pk}/"' in html for pk in everyone)
        page = client.get("/members/", {"skill": "ReactJS"}, headers=headers)
        assert {member.pk for member in page.context["page"].object_list} == everyone
    # Merged again, into a skill of the taxonomy: the texts merged before follow.
    from officina.skills.models import Skill

    frontend = Skill.objects.create(
        slug="frontend", name_en="Front-end development", name_it="Sviluppo front-end",
        category=SkillCategory.DEVELOPMENT,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        check_merge_free_tags([react], into_skill=frontend)
    frontend.refresh_from_db()
    assert frontend.tag_synonyms == {"en": ["react", "reactjs", "react.js"]}
    assert in_directory("reactjs") == everyone


def test_a_merge_teaches_no_text_twice(giulia, marco, sara):
    from officina.skills.actions import check_merge_free_tags

    react = check_add_free_tag(giulia, "React", SkillKind.SKILL, "en").tag
    same = check_add_free_tag(marco, "react", SkillKind.SKILL, "it").tag  # another language
    reactjs = check_add_free_tag(sara, "ReactJS", SkillKind.SKILL, "en").tag
    assert react and same and reactjs
    check_merge_free_tags([same], into_tag=reactjs)
    check_merge_free_tags([reactjs], into_tag=react)
    react.refresh_from_db()
    assert react.synonyms == ["ReactJS"]  # "react" is its own text
