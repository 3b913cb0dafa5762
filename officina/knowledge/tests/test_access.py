from __future__ import annotations

import pytest

from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.access import access_answer_by_id, access_question_by_id
from officina.knowledge.actions import check_answer_question, check_ask_question
from officina.knowledge.selectors import question_list


@pytest.fixture
def space_question(giulia, navigli):
    return check_ask_question(
        giulia, title="Chi ha una stampante A3 al Navigli?", body="Grazie!", space=navigli
    )


@pytest.fixture
def community_question(giulia):
    return check_ask_question(giulia, title="Best accountant for freelancers?", body="In Milan.")


def test_community_questions_are_seen_by_every_member(community_question, outsider):
    assert access_question_by_id(outsider, community_question.pk) == community_question


def test_space_questions_are_seen_by_its_members(space_question, marco):
    assert access_question_by_id(marco, space_question.pk) == space_question
    assert space_question in question_list(marco)


def test_space_questions_look_missing_to_outsiders(space_question, outsider, sara, marco):
    answer = check_answer_question(marco, space_question, body="Sì, al secondo piano.")
    # Sara belongs to another space; the outsider to none.
    for stranger in (sara, outsider):
        for lookup, key in (
            (access_question_by_id, space_question.pk),
            (access_answer_by_id, answer.pk),
        ):
            with pytest.raises(OfficinaError) as caught:
                lookup(stranger, key)
            assert caught.value.code == ErrorCode.NOT_FOUND
        assert space_question not in question_list(stranger)


def test_missing_and_forbidden_give_the_same_error(space_question, outsider):
    with pytest.raises(OfficinaError) as missing:
        access_question_by_id(outsider, 999_999)
    with pytest.raises(OfficinaError) as forbidden:
        access_question_by_id(outsider, space_question.pk)
    assert (missing.value.code, str(missing.value.message)) == (
        forbidden.value.code,
        str(forbidden.value.message),
    )


def test_anonymous_sees_nothing(community_question):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(OfficinaError):
        access_question_by_id(AnonymousUser(), community_question.pk)  # type: ignore[arg-type]
