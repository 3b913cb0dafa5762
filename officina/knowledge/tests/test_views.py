from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from officina.accounts.models import Member
from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
    check_vote,
)
from officina.knowledge.models import Answer, Question, Vote
from officina.skills.models import SkillEvidence


@pytest.fixture
def question(giulia, python_skill):
    return check_ask_question(
        giulia,
        title="How do I profile a slow Django view?",
        body="The dashboard takes two seconds.",
        tags=[python_skill],
    )


def login(client: Client, member: Member) -> Client:
    client.force_login(member)
    return client


def test_pages_need_a_signed_in_member(client, question):
    for url in (reverse("knowledge:questions"), question.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_list_filters_by_skill_unanswered_and_words(
    client, giulia, marco, question, contracts_skill
):
    other = check_ask_question(
        giulia,
        title="Chi conosce un buon notaio?",
        body="Per un contratto.",
        tags=[contracts_skill],
    )
    check_answer_question(marco, other, body="Sì, in via Torino.")
    login(client, marco)
    url = reverse("knowledge:questions")
    assert list(client.get(url).context["page"]) == [other, question]
    assert list(client.get(url, {"tag": "python-test"}).context["page"]) == [question]
    assert list(client.get(url, {"unanswered": "on"}).context["page"]) == [question]
    assert list(client.get(url, {"q": "notaio"}).context["page"]) == [other]
    # A filter that does not validate is ignored rather than failing the page.
    assert client.get(url, {"tag": "not a slug!"}).status_code == 200


def test_ask_form_publishes_and_redirects(client, giulia, python_skill):
    login(client, giulia)
    response = client.post(
        reverse("knowledge:ask"),
        {
            "title": "Where do I find a 3D printer?",
            "body": "For a prototype.",
            "tags": [python_skill.pk],
        },
    )
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()


def test_ask_form_with_bad_input_changes_nothing(client, giulia, navigli, outsider):
    login(client, giulia)
    response = client.post(reverse("knowledge:ask"), {"title": "short", "body": ""})
    assert response.status_code == 400
    assert not Question.objects.exists()
    login(client, outsider)
    response = client.post(
        reverse("knowledge:ask"),
        {"title": "A long enough title", "body": "Body", "space": navigli.pk},
    )
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_detail_shows_accepted_first_then_by_score(client, giulia, marco, sara, outsider, question):
    low = check_answer_question(marco, question, body="Low answer")
    high = check_answer_question(sara, question, body="High answer")
    accepted = check_answer_question(outsider, question, body="Accepted answer")
    check_vote(giulia, high, 1)
    check_vote(giulia, low, -1)
    check_accept_answer(giulia, accepted)
    login(client, marco)
    response = client.get(question.get_absolute_url())
    assert [answer.pk for answer in response.context["answers"]] == [accepted.pk, high.pk, low.pk]
    assert "Accepted answer" in response.content.decode()


def test_answer_vote_and_accept_through_the_pages(client, giulia, marco, question, python_skill):
    login(client, marco)
    response = client.post(reverse("knowledge:answer", args=[question.pk]), {"body": "Use silk."})
    answer = Answer.objects.get()
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    client.post(reverse("knowledge:vote_question", args=[question.pk]), {"direction": "up"})
    question.refresh_from_db()
    assert question.score == 1
    login(client, giulia)
    client.post(reverse("knowledge:vote_answer", args=[answer.pk]), {"direction": "up"})
    accepted = client.post(reverse("knowledge:accept", args=[answer.pk]), follow=True)
    assert "You accepted Marco Colombo&#x27;s answer" in accepted.content.decode()
    question.refresh_from_db()
    answer.refresh_from_db()
    assert (question.accepted_answer, answer.score) == (answer, 1)
    assert SkillEvidence.objects.filter(member=marco, skill=python_skill).exists()


def test_refused_actions_change_nothing(client, giulia, marco, sara, question):
    answer = check_answer_question(marco, question, body="An idea.")
    login(client, sara)
    response = client.post(reverse("knowledge:accept", args=[answer.pk]), follow=True)
    assert "Only the person who asked" in response.content.decode()
    response = client.post(
        reverse("knowledge:vote_question", args=[question.pk]), {"direction": "sideways"}
    )
    assert response.status_code == 400
    assert client.get(reverse("knowledge:accept", args=[answer.pk])).status_code == 405
    login(client, giulia)
    client.post(reverse("knowledge:vote_question", args=[question.pk]), {"direction": "up"})
    question.refresh_from_db()
    assert question.accepted_answer is None
    assert question.score == 0
    assert not Vote.objects.exists()


def test_outsiders_get_404_on_every_page_of_a_space_question(
    client, giulia, marco, outsider, navigli
):
    question = check_ask_question(giulia, title="Stampante A3 al Navigli?", body="?", space=navigli)
    answer = check_answer_question(marco, question, body="Sì.")
    login(client, outsider)
    assert client.get(question.get_absolute_url()).status_code == 404
    assert (
        client.post(reverse("knowledge:answer", args=[question.pk]), {"body": "x y"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("knowledge:vote_answer", args=[answer.pk]), {"direction": "up"}
        ).status_code
        == 404
    )
    assert client.post(reverse("knowledge:accept", args=[answer.pk])).status_code == 404
    assert Answer.objects.count() == 1
    assert not Vote.objects.exists()
