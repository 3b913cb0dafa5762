"""/api/members/{id}: a member's evidence, under the profile's rules."""

from __future__ import annotations

import pytest

from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
)

pytestmark = pytest.mark.django_db


def test_a_members_evidence_from_a_spaces_question_stays_in_the_space(
    api_as, giulia, marco, sara, navigli, accounting
):
    question = check_ask_question(
        giulia, title="Which ledger for Navigli?", body="Details.", tags=[accounting], space=navigli
    )
    answer = check_answer_question(marco, question, body="The green one, on the second shelf.")
    check_accept_answer(giulia, answer)
    assert [
        row["url"] for row in api_as(giulia).get(f"/members/{marco.pk}").json()["evidence"]
    ] == [answer.get_absolute_url()]
    assert api_as(sara).get(f"/members/{marco.pk}").json()["evidence"] == []
