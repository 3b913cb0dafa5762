from __future__ import annotations

import pytest

from officina.knowledge.models import Question
from officina.matchmaking.models import AnswerInvitation
from officina.notifications.selectors import unread_count

pytestmark = pytest.mark.django_db(transaction=True)


def invite_url(question: Question, member_id: int) -> str:
    return f"/questions/{question.pk}/invite/{member_id}/"


def test_the_asker_sees_who_could_answer_and_others_do_not(
    vat_question, client_for, giulia, marco, sara
):
    page = client_for(giulia).get(f"/questions/{vat_question.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="experts"' in html and "Sara Bianchi" in html and "offers Tax and VAT" in html
    assert (
        'id="experts"'
        not in client_for(marco).get(f"/questions/{vat_question.pk}/").content.decode()
    )


def test_inviting_notifies_the_member_once(vat_question, client_for, giulia, marco):
    client = client_for(giulia)
    response = client.post(invite_url(vat_question, marco.pk), follow=True)
    assert "Marco Colombo is invited to answer." in response.content.decode()
    assert AnswerInvitation.objects.filter(question=vat_question, member=marco).count() == 1
    assert unread_count(marco) == 1
    again = client.post(invite_url(vat_question, marco.pk), follow=True)
    assert "You invited them already." in again.content.decode()
    assert unread_count(marco) == 1
    assert "Invited" in client.get(f"/questions/{vat_question.pk}/").content.decode()


@pytest.mark.parametrize(
    ("who", "whom", "message"),
    [
        ("marco", "sara", "Only the asker can invite people to answer."),
        ("giulia", "giulia", "You cannot invite yourself."),
        ("giulia", "sara_answered", "They have answered already."),
    ],
)
def test_refused_invitations_say_why_and_change_nothing(
    vat_question, client_for, giulia, sara, who, whom, message, request
):
    from officina.knowledge.actions import check_answer_question

    if whom == "sara_answered":
        check_answer_question(sara, vat_question, body="Pay it with an F24.")
        whom = "sara"
    response = client_for(request.getfixturevalue(who)).post(
        invite_url(vat_question, request.getfixturevalue(whom).pk), follow=True
    )
    assert message in response.content.decode()
    assert not AnswerInvitation.objects.exists()


def test_an_unknown_member_or_a_hidden_question_is_not_found(
    vat_question, client_for, giulia, marco, make_member, navigli
):
    assert client_for(giulia).post(invite_url(vat_question, 999_999)).status_code == 404
    gone = make_member(is_active=False)
    assert client_for(giulia).post(invite_url(vat_question, gone.pk)).status_code == 404
    assert client_for(giulia).post(f"/questions/999999/invite/{marco.pk}/").status_code == 404
    assert not AnswerInvitation.objects.exists()


def test_inviting_is_a_post(vat_question, client_for, giulia, marco):
    assert client_for(giulia).get(invite_url(vat_question, marco.pk)).status_code == 405
