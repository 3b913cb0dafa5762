"""Calling the API as a named member, with a real bearer token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from officina.accounts.models import Member
from officina.api.actions import check_create_api_token


class ApiClient:
    """A Django test client that sends a member's token on every request."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api{path}", params, headers=self.headers)

    def post(self, path: str, payload: Any = None, *, raw: str | bytes | None = None) -> Any:
        body = raw if raw is not None else json.dumps(payload if payload is not None else {})
        return self.client.post(
            f"/api{path}", body, content_type="application/json", headers=self.headers
        )

    def upload(self, path: str, **files: Any) -> Any:
        """A multipart POST of ``files`` (name -> an uploaded file)."""
        return self.client.post(f"/api{path}", files, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api{path}", headers=self.headers)


@pytest.fixture
def api_as(db: None) -> Callable[[Member | None], ApiClient]:
    def make(member: Member | None) -> ApiClient:
        if member is None:
            return ApiClient(None)
        _token, plain = check_create_api_token(member, "tests")
        return ApiClient(plain)

    return make
