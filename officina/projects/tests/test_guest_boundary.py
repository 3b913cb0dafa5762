"""A project guest reaches their projects and nothing else: every URL pattern of the
site and every API route, walked as a guest, answers "not found" unless it is one of
the few pages open to guests."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from officina.api.actions import do_create_api_token
from officina.conftest import TEST_PASSWORD
from officina.projects.guest_boundary import open_to_guests

# A value for each kind of path parameter; ids that exist or not, the answer must not
# depend on it.
SAMPLE_BY_CONVERTER = {"int": "1", "slug": "navigli", "str": "x", "path": "x/y", "uuid": "0" * 32}


def _sample_route(route: str) -> str:
    return re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_BY_CONVERTER.get(m.group(1) or "str", "x"), route
    )


def _sample_regex(regex: str) -> str:
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", regex)
    return path.lstrip("^").rstrip("$").replace("\\", "")


def every_path(patterns: list[Any] | None = None, prefix: str = "") -> list[str]:
    """One concrete path for every URL pattern of the site, API routes included."""
    paths = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        raw = str(pattern.pattern)
        part = _sample_regex(raw) if raw.startswith("^") else _sample_route(raw)
        if isinstance(pattern, URLResolver):
            paths += every_path(pattern.url_patterns, prefix + part)
        elif isinstance(pattern, URLPattern):
            paths.append("/" + prefix + part)
    return sorted(set(paths))


def test_the_walk_covers_the_community_and_the_api():
    paths = every_path()
    for expected in ("/feed/", "/members/", "/phone/", "/api/me", "/api/bookings/", "/admin/"):
        assert any(path.startswith(expected) for path in paths), expected
    assert len(paths) > 100


@pytest.mark.django_db
def test_a_guest_is_refused_every_community_page_and_api_route(shop, chiara, client_for):
    client = client_for(chiara)
    reached = []
    for path in every_path():
        if open_to_guests(path):
            continue
        for method in (client.get, client.post):
            response = method(path)
            if path == "/":
                assert response.status_code == 302 and response["Location"] == "/projects/"
                continue
            if response.status_code != 404:
                reached.append((method.__name__, path, response.status_code))
    assert reached == []


@pytest.mark.django_db
def test_what_is_open_to_guests_is_their_projects_and_their_account():
    open_paths = [path for path in every_path() if open_to_guests(path)]
    assert all(
        path.startswith(("/projects/", "/notifications/", "/api/projects"))
        or path
        in {
            "/language/",
            "/login/",
            "/logout/",
            "/settings/password/",
            "/password-reset/",
            "/password-reset/sent/",
            "/password-reset/done/",
            "/password-reset/x/x/",
        }
        for path in open_paths
    ), open_paths


@pytest.mark.django_db
def test_a_guest_sees_their_project_and_the_community_pages_stay_shut(shop, chiara, client_for):
    client = client_for(chiara)
    page = client.get(f"/projects/{shop.project.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nuovo negozio" in html
    # The header offers nothing of the community.
    for closed in ("/feed/", "/members/", "/companies/", "/phone/", "/search/", '/settings/"'):
        assert closed not in html
    assert client.get("/projects/").status_code == 200


@pytest.mark.django_db
def test_a_guest_token_opens_nothing_of_the_community_api(shop, chiara, giulia):
    _row, token = do_create_api_token(chiara, "old token")
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/members").status_code == 401


@pytest.mark.django_db
def test_a_guest_changes_their_password_and_reads_their_notifications(
    shop, chiara, client_for, giulia
):
    from officina.projects import actions
    from officina.projects.tests.fixtures import standing

    actions.check_comment(standing(giulia, shop.project), shop.open, body="@Chiara Neri ecco.")
    client = client_for(chiara)
    notifications = client.get("/notifications/")
    assert notifications.status_code == 200
    assert "Giulia Rossi mentioned you in Calendario lavori" in notifications.content.decode()
    changed = client.post(
        "/settings/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "vetrine-verdi-2027",
            "new_password2": "vetrine-verdi-2027",
        },
    )
    assert changed.status_code == 302 and changed["Location"] == "/"
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/projects/"
    chiara.refresh_from_db()
    assert chiara.check_password("vetrine-verdi-2027")


@pytest.mark.django_db(transaction=True)
def test_a_guest_appears_nowhere_in_the_community(shop, chiara, giulia, client_for):
    from officina.accounts.selectors import community_members, visible_members
    from officina.search.models import SearchDocument

    assert chiara not in visible_members() and chiara not in community_members()
    assert not SearchDocument.objects.filter(kind="member", object_id=chiara.pk).exists()
    client = client_for(giulia)
    assert "Sara Bianchi" in client.get("/members/?q=Bianchi").content.decode()
    assert "Chiara Neri" not in client.get("/members/?q=Neri").content.decode()
    assert client.get(f"/members/{chiara.pk}/").status_code == 404
    # Inside the project, its people see the guest.
    assert "Chiara Neri" in client.get(f"/projects/{shop.project.pk}/").content.decode()
