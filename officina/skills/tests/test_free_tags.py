"""Free tags: what members list that the taxonomy lacks, merged by a space manager into a
skill (rows folded, the tag's text a synonym in its language) or renamed."""

from __future__ import annotations

import pytest
from django.utils import translation

from officina.core.errors import ErrorCode, OfficinaError
from officina.matchmaking.models import EvidenceSkill
from officina.skills.actions import (
    MAX_FREE_TAGS,
    check_add_free_tag,
    check_add_member_skill,
    check_endorse,
    check_rename_free_tag,
    do_merge_free_tag,
)
from officina.skills.kinds import SkillKind
from officina.skills.models import FreeTag, MemberFreeTag, MemberSkill
from officina.skills.pickers import skill_words
from officina.skills.selectors import free_tags_in_use, skill_named, skill_vocabulary

pytestmark = pytest.mark.django_db


def test_a_text_the_taxonomy_lacks_is_a_free_tag_shared_by_its_writers(giulia, marco):
    first = check_add_free_tag(giulia, "Ceramica Raku", SkillKind.SKILL, "it", level=2)
    again = check_add_free_tag(marco, "  ceramica   RAKU ", SkillKind.INTEREST, "it")
    english = check_add_free_tag(marco, "ceramica raku", SkillKind.SKILL, "en")
    assert first.skill is None and first.tag is not None
    assert again.tag == first.tag  # one tag per folded text and language
    assert english.tag != first.tag
    assert first.tag.text == "Ceramica Raku"
    # Most used first.
    used = [(tag.text, tag.language, tag.members) for tag in free_tags_in_use()]  # type: ignore[attr-defined]
    assert used == [("Ceramica Raku", "it", 2), ("ceramica raku", "en", 1)]


def test_a_text_that_names_a_skill_lists_the_skill(giulia, accounting):
    accounting.synonyms = ["bookkeeping"]
    accounting.save()
    listed = check_add_free_tag(giulia, "CONTABILITA", SkillKind.OFFER, "it")
    by_synonym = check_add_free_tag(giulia, "Bookkeeping", SkillKind.SKILL, "it")
    assert listed.skill == accounting and by_synonym.skill == accounting
    assert not FreeTag.objects.exists()
    assert set(MemberSkill.objects.values_list("kind", flat=True)) == {"offer", "skill"}


@pytest.mark.parametrize(
    ("text", "kind", "language"),
    [
        ("x", "skill", "it"),
        ("a" * 81, "skill", "it"),
        ("Raku", "hobby", "it"),
        ("Raku", "skill", "fr"),
    ],
)
def test_bad_free_tags_are_refused_and_change_nothing(giulia, text, kind, language):
    with pytest.raises(OfficinaError):
        check_add_free_tag(giulia, text, kind, language)
    assert not FreeTag.objects.exists()


def test_a_member_has_a_bounded_number_of_free_tags(giulia):
    for number in range(MAX_FREE_TAGS):
        check_add_free_tag(giulia, f"tag {number}", SkillKind.SKILL, "en")
    with pytest.raises(OfficinaError) as error:
        check_add_free_tag(giulia, "one more", SkillKind.SKILL, "en")
    assert error.value.code == ErrorCode.CONFLICT
    check_add_free_tag(giulia, "tag 0", SkillKind.OFFER, "en")  # the same tag as another kind


def test_merge_moves_rows_keeps_one_with_the_better_level_and_teaches_a_synonym(
    giulia, marco, sara, accounting
):
    check_add_member_skill(giulia, accounting, SkillKind.SKILL, level=3, note="ten years")
    check_add_member_skill(marco, accounting, SkillKind.SKILL, level=1)
    tag = check_add_free_tag(giulia, "Partita doppia", SkillKind.SKILL, "it", level=2).tag
    check_add_free_tag(marco, "partita doppia", SkillKind.SKILL, "it", level=4)
    check_add_free_tag(sara, "Partita Doppia", SkillKind.NEED, "it", level=None)
    assert tag is not None
    endorsement = check_endorse(sara, MemberSkill.objects.get(member=giulia))

    merged = do_merge_free_tag(tag, accounting)

    assert (merged.moved, merged.folded, merged.synonym) == (1, 2, "partita doppia")
    rows = {
        (row.member_id, row.kind): (row.level, row.note)
        for row in MemberSkill.objects.filter(skill=accounting)
    }
    assert rows == {
        (giulia.pk, "skill"): (3, "ten years"),  # had both: one row, the better level (hers)
        (marco.pk, "skill"): (4, ""),  # had both: the tag's better level
        (sara.pk, "need"): (None, ""),  # had only the tag: moved
    }
    assert MemberSkill.objects.filter(member=giulia).count() == 1
    endorsement.refresh_from_db()  # the kept row keeps its endorsements
    assert not FreeTag.objects.exists() and not MemberFreeTag.objects.exists()
    accounting.refresh_from_db()
    assert accounting.tag_synonyms == {"it": ["partita doppia"]}

    # Typing the tag now finds the skill: the picker's words, the server, matchmaking.
    assert "partita doppia" in skill_words(accounting)
    assert skill_named("Partita doppia") == accounting
    listed = check_add_free_tag(giulia, "partita doppia", SkillKind.OFFER, "it")
    assert listed.skill == accounting and not FreeTag.objects.exists()
    vocabulary = {words.skill_id: words.phrases for words in skill_vocabulary()}
    assert "partita doppia" in vocabulary[accounting.pk]


def test_merge_re_indexes_the_members_for_matchmaking(
    django_capture_on_commit_callbacks, marco, accounting
):
    with django_capture_on_commit_callbacks(execute=True):
        tag = check_add_free_tag(marco, "Partita doppia", SkillKind.OFFER, "it").tag
    assert tag is not None
    assert not EvidenceSkill.objects.filter(member=marco, skill=accounting).exists()
    with django_capture_on_commit_callbacks(execute=True):
        do_merge_free_tag(tag, accounting)
    assert EvidenceSkill.objects.filter(member=marco, skill=accounting).exists()


def test_a_text_already_a_synonym_is_not_added_twice(giulia, accounting):
    accounting.synonyms = ["partita doppia"]
    accounting.save()
    tag = FreeTag.objects.create(text="Partita doppia", key="partita doppia", language="it")
    MemberFreeTag.objects.create(member=giulia, tag=tag, kind=SkillKind.SKILL)
    do_merge_free_tag(tag, accounting)
    accounting.refresh_from_db()
    assert accounting.tag_synonyms == {}


def test_rename_corrects_the_text_but_never_onto_a_skill_or_another_tag(giulia, accounting):
    tag = check_add_free_tag(giulia, "Ceramcia raku", SkillKind.SKILL, "it").tag
    check_add_free_tag(giulia, "Kintsugi", SkillKind.SKILL, "it")
    assert tag is not None
    renamed = check_rename_free_tag(tag, "Ceramica raku")
    assert (renamed.text, renamed.key) == ("Ceramica raku", "ceramica raku")
    for taken in ("kintsugi", "Contabilità"):
        with pytest.raises(OfficinaError) as error:
            check_rename_free_tag(tag, taken)
        assert error.value.code == ErrorCode.CONFLICT
    tag.refresh_from_db()
    assert tag.text == "Ceramica raku"


def test_the_manager_page_merges_and_renames_others_get_404(
    client_for, luca, giulia, marco, accounting
):
    listed = check_add_free_tag(giulia, "Partita doppia", SkillKind.SKILL, "it")
    assert listed.tag is not None
    tag = listed.tag
    assert client_for(marco).get("/skills/free-tags/").status_code == 404
    assert (
        client_for(marco)
        .post(f"/skills/free-tags/{tag.pk}/merge/", {f"merge-{tag.pk}-skill": accounting.pk})
        .status_code
        == 404
    )
    manager = client_for(luca)
    with translation.override("it"):
        page = manager.get("/skills/free-tags/", headers={"accept-language": "it"})
    assert page.status_code == 200
    assert "Partita doppia" in page.content.decode()
    bad = manager.post(f"/skills/free-tags/{tag.pk}/merge/", {f"merge-{tag.pk}-skill": "999"})
    assert bad.status_code == 400 and FreeTag.objects.exists()
    renamed = manager.post(
        f"/skills/free-tags/{tag.pk}/rename/", {f"rename-{tag.pk}-text": "Contabilità"}
    )
    assert renamed.status_code == 400
    assert "merge the tag into it" in renamed.content.decode()
    merged = manager.post(
        f"/skills/free-tags/{tag.pk}/merge/", {f"merge-{tag.pk}-skill": accounting.pk}
    )
    assert merged.status_code == 302
    assert MemberSkill.objects.get(member=giulia).skill == accounting


def test_my_skills_page_adds_and_removes_a_free_tag(client_for, giulia):
    client = client_for(giulia)
    response = client.post(
        "/skills/mine/free-tags/", {"tag-text": "Kintsugi", "tag-kind": "skill", "tag-level": "2"}
    )
    assert response.status_code == 302
    listing = MemberFreeTag.objects.get(member=giulia)
    assert (listing.tag.text, listing.tag.language, listing.level) == ("Kintsugi", "en", 2)
    assert "Kintsugi" in client.get(f"/members/{giulia.pk}/").content.decode()
    assert (
        client.post("/skills/mine/free-tags/", {"tag-text": "x", "tag-kind": "skill"}).status_code
        == 400
    )
    client.post(f"/skills/mine/free-tags/{listing.pk}/remove/")
    assert not MemberFreeTag.objects.exists() and not FreeTag.objects.exists()
