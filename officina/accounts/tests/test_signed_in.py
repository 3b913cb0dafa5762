import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError


def test_the_signed_in_member_is_the_requests_user(giulia):
    request = RequestFactory().get("/")
    request.user = giulia
    assert signed_in_member(request) is giulia


def test_nobody_signed_in_is_a_401_not_a_page_for_nobody():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(OfficinaError) as raised:
        signed_in_member(request)
    assert raised.value.code == ErrorCode.UNAUTHORIZED
