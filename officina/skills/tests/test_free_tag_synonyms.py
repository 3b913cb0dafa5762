"""A free tag's synonyms are edited in the admin, one per line or separated by commas:
tidied, refused with the reason when one is given twice or is the tag's own text, and
honoured at once by the site search, the directory's filter and what members type."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from officina.core.errors import OfficinaError
from officina.search.tests.test_free_tags import found, in_directory
from officina.skills.actions import (
    check_add_free_tag,
    check_merge_free_tags,
    check_set_free_tag_synonyms,
    checked_free_tag_synonyms,
)
from officina.skills.kinds import SkillKind
from officina.skills.models import FreeTag, MemberFreeTag

pytestmark = pytest.mark.django_db


def change_url(tag: FreeTag) -> str:
    return f"/admin/skills/freetag/{tag.pk}/change/"


def change_form(tag: FreeTag, synonyms: str, text: str | None = None) -> dict[str, str]:
    """The change page's form as a browser sends it, with the members' listings inline."""
    rows = list(MemberFreeTag.objects.filter(tag=tag).order_by("pk"))
    data = {
        "text": text if text is not None else tag.text,
        "synonyms": synonyms,
        "listings-TOTAL_FORMS": str(len(rows)),
        "listings-INITIAL_FORMS": str(len(rows)),
        "listings-MIN_NUM_FORMS": "0",
        "listings-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        prefix = f"listings-{number}-"
        data |= {
            f"{prefix}id": str(row.pk),
            f"{prefix}tag": str(tag.pk),
            f"{prefix}member": str(row.member_id),
            f"{prefix}kind": row.kind,
            f"{prefix}level": str(row.level or ""),
            f"{prefix}note": row.note,
        }
    return data


def react_of(member: Any) -> FreeTag:
    tag = check_add_free_tag(member, "React", SkillKind.SKILL, "en").tag
    assert tag is not None
    return tag


def test_synonyms_are_shown_one_per_line_and_saved_tidied(client_for, admin, giulia, marco):
    react = react_of(giulia)
    reactjs = check_add_free_tag(marco, "ReactJS", SkillKind.SKILL, "en").tag
    assert reactjs is not None
    check_merge_free_tags([reactjs], into_tag=react)
    client = client_for(admin)
    page = client.get(change_url(react))
    assert page.status_code == 200
    field = page.context["adminform"].form["synonyms"]
    assert field.value() == "ReactJS"
    assert "One per line, or separated by commas" in page.text

    saved = client.post(
        change_url(react),
        change_form(react, "ReactJS, React   JS\n\n  react  native \n"),
        follow=True,
    )
    assert saved.status_code == 200
    react.refresh_from_db()
    assert react.synonyms == ["ReactJS", "React JS", "react native"]
    assert client.get(change_url(react)).context["adminform"].form["synonyms"].value() == (
        "ReactJS\nReact JS\nreact native"
    )
    # Emptied: the tag keeps its text only.
    client.post(change_url(react), change_form(react, ""))
    react.refresh_from_db()
    assert react.synonyms == []


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("ReactJS\nreactjs", "“reactjs” is given twice."),
        ("Réact JS, react js", "“react js” is given twice."),  # accents and case aside
        ("ReactJS, react", "“react” is the tag's own text, not a synonym."),
        ("x", "“x”: a synonym has 2 to 80 characters."),
        ("y" * 81, f"“{'y' * 81}”: a synonym has 2 to 80 characters."),
    ],
)
def test_a_bad_synonym_is_refused_on_the_field_and_nothing_changes(
    client_for, admin, giulia, typed, error
):
    react = react_of(giulia)
    with translation.override("en"):
        refused = client_for(admin).post(change_url(react), change_form(react, typed))
    assert refused.status_code == 200  # the page again, not a redirect
    assert refused.context["adminform"].form.errors["synonyms"] == [error]
    react.refresh_from_db()
    assert react.synonyms == []


def test_the_own_text_is_that_of_a_rename_sent_with_the_synonyms(client_for, admin, giulia):
    react = react_of(giulia)
    client = client_for(admin)
    refused = client.post(change_url(react), change_form(react, "React.js", text="react.js"))
    assert refused.context["adminform"].form.errors["synonyms"] == [
        "“React.js” is the tag's own text, not a synonym."
    ]
    client.post(change_url(react), change_form(react, "React", text="React.js"))
    react.refresh_from_db()
    assert (react.text, react.synonyms) == ("React.js", ["React"])


def test_the_error_is_in_italian_for_an_italian_manager(client_for, admin, giulia):
    react = react_of(giulia)
    refused = client_for(admin).post(
        change_url(react), change_form(react, "react"), headers={"accept-language": "it"}
    )
    assert refused.context["adminform"].form.errors["synonyms"] == [
        "“react” è il testo dell’etichetta stessa, non un sinonimo."
    ]


def test_the_check_refuses_what_the_admin_refuses(giulia):
    react = react_of(giulia)
    assert checked_free_tag_synonyms("React", [" React  JS ", "", "reactjs"]) == [
        "React JS",
        "reactjs",
    ]
    with pytest.raises(OfficinaError):
        check_set_free_tag_synonyms(react, ["REACT"])
    react.refresh_from_db()
    assert react.synonyms == []


def test_search_the_directory_and_typing_honour_edited_synonyms_at_once(
    client_for, admin, giulia, marco, sara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        react = react_of(giulia)
    assert found(marco, "reactjs") == [] and in_directory("reactjs") == set()
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(react), change_form(react, "ReactJS\nreact.js"))
    assert found(marco, "reactjs") == [giulia.pk]
    assert in_directory("REACT.JS") == {giulia.pk}
    # Typed by another member, an edited synonym lists the tag.
    with django_capture_on_commit_callbacks(execute=True):
        listed = check_add_free_tag(sara, "reactjs", SkillKind.OFFER, "en")
    assert listed.tag == react
    assert in_directory("reactjs") == {giulia.pk, sara.pk}

    # A synonym taken away no longer finds anyone.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(react), change_form(react, "react.js"))
    assert found(marco, "reactjs") == []
    assert in_directory("reactjs") == set()
    assert in_directory("react.js") == {giulia.pk, sara.pk}
