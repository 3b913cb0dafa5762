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
