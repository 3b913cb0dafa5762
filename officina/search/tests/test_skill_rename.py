"""A taxonomy skill renamed in the admin: the search documents that show its name (its
listers' and the questions tagged with it) hold the new name when the save commits, and
no longer the old one; a save that leaves the names alone re-indexes nothing."""

from __future__ import annotations

import pytest

from officina.accounts.models import Member
from officina.knowledge.actions import check_ask_question
from officina.search.selectors import search
from officina.skills.actions import check_add_member_skill
from officina.skills.kinds import SkillKind
from officina.skills.models import Skill

pytestmark = pytest.mark.django_db


def found(viewer: Member, query: str, kind: str) -> list[int]:
    return [hit.object_id for hit in search(viewer, query, kinds=[kind]).groups.get(kind, [])]


def admin_form(skill: Skill, **names: str) -> dict[str, str]:
    return {
        "slug": skill.slug,
        "name_en": names.get("name_en", skill.name_en),
        "name_it": names.get("name_it", skill.name_it),
        "category": skill.category,
        "synonyms": "",
        "tag_synonyms": "{}",
    }


def test_a_renamed_skill_is_found_by_its_new_name_in_members_and_questions(
    accounting, giulia, marco, client_for, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check_add_member_skill(marco, accounting, SkillKind.OFFER)
        question = check_ask_question(
            giulia, title="Closing the year", body="Where to start?", tags=[accounting]
        )
    assert found(giulia, "Contabilità", "member") == [marco.pk]
    assert found(giulia, "Ragioneria", "member") == []
    with django_capture_on_commit_callbacks(execute=True):
        saved = client_for(admin).post(
            f"/admin/skills/skill/{accounting.pk}/change/",
            admin_form(accounting, name_it="Ragioneria", name_en="Bookkeeping"),
        )
    assert saved.status_code == 302
    assert found(giulia, "Ragioneria", "member") == [marco.pk]
    assert found(giulia, "Bookkeeping", "question") == [question.pk]
    assert found(giulia, "Contabilità", "member") == []


def test_a_save_that_keeps_the_names_re_indexes_nothing(
    accounting, marco, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check_add_member_skill(marco, accounting, SkillKind.OFFER)
    with django_capture_on_commit_callbacks() as callbacks:
        accounting.synonyms = ["ledger"]
        accounting.save()
    assert all("search" not in callback.__module__ for callback in callbacks)
