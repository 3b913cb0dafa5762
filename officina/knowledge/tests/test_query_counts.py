"""The questions list and a question page cost the same number of queries for 1 or 20 rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officina.knowledge.actions import check_answer_question, check_ask_question, check_vote


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_questions(client_for, giulia, marco, python_skill):
    client = client_for(marco)
    url = reverse("knowledge:questions")
    check_ask_question(giulia, title="Una prima domanda", body="?", tags=[python_skill])
    one = queries_for(client, url)
    for number in range(19):
        check_ask_question(
            giulia, title=f"Un'altra domanda {number}", body="?", tags=[python_skill]
        )
    assert queries_for(client, url) == one


@pytest.mark.django_db
def test_question_page_queries_do_not_grow_with_answers(client_for, giulia, marco, sara, outsider):
    question = check_ask_question(giulia, title="Una domanda con risposte", body="?")
    client = client_for(giulia)
    check_answer_question(marco, question, body="Prima risposta")
    one = queries_for(client, question.get_absolute_url())
    for author in (sara, outsider, marco, sara):
        answer = check_answer_question(author, question, body="Un'altra risposta")
        check_vote(giulia, answer, 1)
    assert queries_for(client, question.get_absolute_url()) == one


@pytest.mark.django_db
def test_help_around_reads_a_members_answers_by_index_not_every_answer(giulia, marco, sara):
    """Who answered a member's questions and whose questions they answered: read by the
    questions' author and the answers' author (people to meet asks on every page), never
    by a scan of the community's answers; self-answers are left out."""
    from officina.knowledge.selectors import help_around

    mine = check_ask_question(giulia, title="Una domanda di Giulia", body="?")
    theirs = check_ask_question(marco, title="Una domanda di Marco", body="?")
    check_answer_question(marco, mine, body="Risposta di Marco")
    check_answer_question(giulia, theirs, body="Risposta di Giulia")
    check_answer_question(giulia, mine, body="Giulia risponde a sé")
    check_answer_question(sara, theirs, body="Risposta di Sara")
    with CaptureQueriesContext(connection) as captured:
        helped = help_around(giulia.pk)
    assert {(each.asker_id, each.answerer_id, each.questions) for each in helped} == {
        (giulia.pk, marco.pk, 1),
        (marco.pk, giulia.pk, 1),
    }
    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {captured.captured_queries[0]['sql']}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "SCAN knowledge_answer" not in plan
