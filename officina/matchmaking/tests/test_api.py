"""/api/questions/{id}/experts and /invitations, with a real bearer token."""

from __future__ import annotations

import pytest

from officina.matchmaking.models import AnswerInvitation

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_asker_gets_the_experts_with_reasons(api_as, vat_question, giulia, marco, sara):
    response = api_as(giulia).get(f"/questions/{vat_question.pk}/experts")
    assert response.status_code == 200
    assert response.json() == [
        {
            "member": {"id": sara.pk, "name": "Sara Bianchi"},
            "reasons": ["had 1 answer on Tax and VAT accepted", "has answered questions lately"],
            "invited": False,
        },
        {
            "member": {"id": marco.pk, "name": "Marco Colombo"},
            "reasons": ["offers Tax and VAT"],
            "invited": False,
        },
    ]
    assert api_as(marco).get(f"/questions/{vat_question.pk}/experts").status_code == 403


def test_inviting_through_the_api(api_as, vat_question, giulia, marco):
    api = api_as(giulia)
    created = api.post(f"/questions/{vat_question.pk}/invitations", {"member_id": marco.pk})
    assert created.status_code == 201
    assert created.json() == {"id": marco.pk, "name": "Marco Colombo"}
    again = api.post(f"/questions/{vat_question.pk}/invitations", {"member_id": marco.pk})
    assert again.status_code == 409
    assert again.json()["message"] == "You invited them already."


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"member_id": 999_999}, 404),
        ({"member_id": "marco"}, 422),
        ({}, 422),
        ([1], 422),
        ({"member_id": 0}, 422),
    ],
)
def test_bad_invitations_are_refused_and_change_nothing(
    api_as, vat_question, giulia, payload, status
):
    response = api_as(giulia).post(f"/questions/{vat_question.pk}/invitations", payload)
    assert response.status_code == status
    assert not AnswerInvitation.objects.exists()
