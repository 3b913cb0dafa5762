from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from officina.api.access import access_api_token_by_id
from officina.api.actions import (
    MAX_ACTIVE_TOKENS,
    check_create_api_token,
    do_revoke_api_token,
    hash_token,
)
from officina.api.models import ApiToken
from officina.core.errors import ErrorCode, OfficinaError

from .conftest import ApiClient


def test_only_the_hash_is_stored(giulia):
    token, plain = check_create_api_token(giulia, "  door display ")
    assert token.name == "door display"
    assert plain.startswith("off_") and len(plain) > 40
    assert token.token_hash == hash_token(plain) != plain
    assert plain not in {token.prefix, token.token_hash}
    assert plain.startswith(token.prefix)


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_bad_names_change_nothing(giulia, name):
    with pytest.raises(OfficinaError) as caught:
        check_create_api_token(giulia, name)
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert not ApiToken.objects.exists()


def test_active_tokens_are_limited(giulia):
    for number in range(MAX_ACTIVE_TOKENS):
        check_create_api_token(giulia, f"t{number}")
    with pytest.raises(OfficinaError):
        check_create_api_token(giulia, "one too many")
    do_revoke_api_token(ApiToken.objects.earliest("created"))
    check_create_api_token(giulia, "fits again")


def test_a_token_authenticates_until_revoked(giulia):
    token, plain = check_create_api_token(giulia, "script")
    client = ApiClient(plain)
    response = client.get("/me")
    assert response.status_code == 200
    assert response.json()["email"] == giulia.email
    token.refresh_from_db()
    assert token.last_used is not None
    do_revoke_api_token(token)
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_last_used_is_written_at_most_once_a_minute(giulia):
    token, plain = check_create_api_token(giulia, "script")
    earlier = timezone.now() - timedelta(seconds=10)
    ApiToken.objects.filter(pk=token.pk).update(last_used=earlier)
    ApiClient(plain).get("/me")
    token.refresh_from_db()
    assert token.last_used == earlier


@pytest.mark.parametrize(
    "header",
    [
        "Bearer off_not-a-real-token",
        "Bearer ",
        "Token abc",
        "Bearer " + "off_" + "x" * 500,
        "Basic Zm9vOmJhcg==",
    ],
)
def test_bad_credentials_are_401(db, header):
    response = ApiClient(None).client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_an_inactive_member_token_stops_working(giulia):
    _token, plain = check_create_api_token(giulia, "script")
    giulia.is_active = False
    giulia.save()
    assert ApiClient(plain).get("/me").status_code == 401


def test_session_auth_reads_and_needs_csrf_to_write(client_for, giulia):
    client = client_for(giulia)
    assert client.get("/api/me").status_code == 200
    strict = client_for(giulia)
    strict.handler.enforce_csrf_checks = True
    response = strict.post("/api/posts", {"body": "ciao"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"


def test_tokens_page_shows_a_new_token_once_and_revokes(client_for, giulia, marco):
    client = client_for(giulia)
    response = client.post(reverse("api:tokens"), {"name": "Zapier"})
    assert response.status_code == 200
    plain = response.context["new_token"]
    assert plain in response.content.decode()
    token = ApiToken.objects.get(member=giulia)
    assert plain not in client.get(reverse("api:tokens")).content.decode()
    # Someone else's token looks missing and stays active.
    other = client_for(marco)
    assert other.post(reverse("api:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active
    client.post(reverse("api:revoke", args=[token.pk]))
    token.refresh_from_db()
    assert not token.is_active


def test_tokens_page_rejects_an_empty_name(client_for, giulia):
    response = client_for(giulia).post(reverse("api:tokens"), {"name": " "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_access_to_someone_elses_token_looks_missing(giulia, marco):
    token, _plain = check_create_api_token(giulia, "mine")
    with pytest.raises(OfficinaError) as caught:
        access_api_token_by_id(marco, token.pk)
    assert caught.value.code == ErrorCode.NOT_FOUND


def test_api_reference_is_served_without_a_cdn(client):
    html = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/me"), ("post", "/api/posts"), ("delete", "/api/questions/1/accepted")],
)
def test_no_credentials_is_401_naming_the_bearer_scheme(db, method, path):
    # A browser-like client enforces CSRF: without a session there is nothing to protect,
    # so the answer is the documented 401, not a CSRF refusal.
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"
    assert response["WWW-Authenticate"].startswith("Bearer ")
