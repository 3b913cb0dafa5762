import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.test import RequestFactory

from officina.core.error_responses import error_response
from officina.core.errors import ErrorCode, OfficinaError


def _request(**headers: str) -> HttpRequest:
    request = RequestFactory().post("/somewhere/", headers=headers)
    request.user = AnonymousUser()
    return request


def test_a_fetch_call_asking_for_json_gets_the_error_shape():
    error = OfficinaError.invalid_input("Wrong PIN.", field="pin")
    response = error_response(_request(Accept="application/json"), error)
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "code": "INVALID_INPUT",
        "message": "Wrong PIN.",
        "field": "pin",
    }


@pytest.mark.django_db
def test_not_found_is_the_sites_404_page_and_tells_nothing_more():
    error = OfficinaError("Post 12 is in a space you are not in.", ErrorCode.NOT_FOUND)
    response = error_response(_request(), error)
    assert response.status_code == 404
    assert b"space you are not in" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "status"),
    [(ErrorCode.CONFLICT, 409), (ErrorCode.PERMISSION_DENIED, 403), (ErrorCode.RATE_LIMITED, 429)],
)
def test_other_errors_are_a_page_with_the_message_and_the_codes_status(code, status):
    response = error_response(_request(), OfficinaError("The event is full.", code))
    assert response.status_code == status
    assert b'<p id="error-message">The event is full.</p>' in response.content
