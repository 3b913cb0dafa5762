"""The social app's shared test data: a member with evidence behind a skill from every
source (``marcos_evidence``)."""

from __future__ import annotations

from typing import Any

import pytest

from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
)
from officina.projects.access import standing_in
from officina.projects.actions import check_create_project, check_set_archived
from officina.skills.actions import check_add_member_skill, check_endorse
from officina.skills.kinds import SkillKind
from officina.skills.models import Skill


def accepted(asker: Any, answerer: Any, skill: Skill, title: str, space: Any = None) -> Any:
    question = check_ask_question(
        asker, title=title, body="Details of the question.", tags=[skill], space=space
    )
    answer = check_answer_question(
        answerer, question, body="Here is how I would do it, step by step."
    )
    check_accept_answer(asker, answer)
    return question


@pytest.fixture
def marcos_evidence(giulia, marco, sara, navigli, studio_rossi, accounting):
    """Marco (Studio Rossi, Navigli) lists Accounting as a skill and an offer; Giulia and
    Sara endorse the skill; two of his answers were accepted, one on a question asked in
    Navigli; Studio Rossi's archived project needed Accounting, an open one too."""
    row = check_add_member_skill(marco, accounting, SkillKind.SKILL, level=3)
    check_add_member_skill(marco, accounting, SkillKind.OFFER)
    check_endorse(giulia, row)
    check_endorse(sara, row)
    community = accepted(giulia, marco, accounting, "How do I close the books in December?")
    in_space = accepted(
        giulia, marco, accounting, "Which invoices go in the Navigli ledger?", navigli
    )
    finished = check_create_project(
        giulia, studio_rossi, name="Year-end accounts", needed_skills=["accounting"]
    )
    standing = standing_in(giulia, finished)
    assert standing is not None
    check_set_archived(standing, True)
    check_create_project(giulia, studio_rossi, name="Ongoing books", needed_skills=["accounting"])
    return {"community": community, "in_space": in_space, "project": finished}
