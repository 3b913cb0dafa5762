"""A project guest joins the coworking later, by signing up with their address or by a
space's manager taking them in: the same account becomes a member's, keeping its
projects and history. Before, they see nothing of the community; after, they do.

Chiara (a client of the shop project, a guest viewer) commented on its open thread.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from officina.accounts.models import Member
from officina.accounts.selectors import may_see_members, visible_members
from officina.accounts.tests.test_views import confirmation_link
from officina.pbx.models import Extension
from officina.projects import actions
from officina.projects.models import Comment
from officina.projects.tests.fixtures import standing

pytestmark = pytest.mark.django_db

COMMUNITY_PAGES = ["/companies/", "/spaces/", "/spaces/navigli/"]


def _with_a_comment(shop: Any, chiara: Member) -> Comment:
    return actions.check_comment(standing(chiara, shop.project), shop.open, body="Va bene.")


def _sees_the_community(client: Client) -> bool:
    answers = {path: client.get(path).status_code for path in COMMUNITY_PAGES[:2]}
    api = client.get("/api/members").status_code
    if all(status == 200 for status in answers.values()) and api == 200:
        return True
    # To a guest the community's pages and API do not exist.
    assert all(status == 404 for status in answers.values()) and api == 404, (answers, api)
    return False


def _keeps_the_project(client: Client, shop: Any, comment: Comment) -> None:
    assert client.get("/projects/").status_code == 200
    assert [p["name"] for p in client.get("/api/projects").json()] == ["Nuovo negozio"]
    thread = client.get(f"/api/projects/threads/{shop.open.pk}").json()
    assert [(c["id"], c["author"]["name"]) for c in thread["comments"]] == [
        (comment.pk, "Chiara Neri")
    ]


def test_signing_up_turns_the_guest_into_a_member(shop, chiara, client):
    comment = _with_a_comment(shop, chiara)
    client.force_login(chiara)
    assert not _sees_the_community(client) and not may_see_members(chiara)
    assert chiara not in visible_members()
    client.logout()

    fields = {
        "first_name": "Chiara",
        "last_name": "Neri",
        "email": "Chiara@Client.example",
        "password": "lampada-blu-42",
        "password_again": "lampada-blu-42",
    }
    assert client.post("/signup/", fields).status_code == 302
    # Mailed the link that joins, not the "you have an account" reminder.
    link = confirmation_link(mail.outbox[-1])
    assert client.post(link).status_code == 302

    joined = Member.objects.get(email="chiara@client.example")
    assert joined.pk == chiara.pk and not joined.is_guest
    assert joined.check_password("lampada-blu-42")
    assert Member.objects.filter(email__iexact="chiara@client.example").count() == 1
    assert Extension.objects.filter(member=joined).exists()  # as any newcomer
    assert _sees_the_community(client) and may_see_members(joined)
    assert joined in visible_members()
    _keeps_the_project(client, shop, comment)
    # The link is used: a second try creates nothing.
    assert client.post(link).status_code == 302
    assert Member.objects.filter(email__iexact="chiara@client.example").count() == 1


def test_a_manager_takes_the_guest_into_the_space(shop, chiara, luca, client_for):
    comment = _with_a_comment(shop, chiara)
    assert not _sees_the_community(client_for(chiara))
    manage = client_for(luca).post(
        "/spaces/navigli/manage/",
        {"form": "role", "email": "chiara@client.example", "role": "member"},
    )
    assert manage.status_code == 302
    chiara.refresh_from_db()
    assert not chiara.is_guest
    client = client_for(chiara)
    assert _sees_the_community(client)
    assert client.get("/spaces/navigli/").status_code == 200
    _keeps_the_project(client, shop, comment)


def test_a_members_sign_up_still_gets_the_reminder(giulia, client):
    fields = {
        "first_name": "Giulia",
        "last_name": "Rossi",
        "email": giulia.email,
        "password": "lampada-blu-42",
        "password_again": "lampada-blu-42",
    }
    client.post("/signup/", fields)
    assert "already has an account" in str(mail.outbox[-1].body)
    giulia.refresh_from_db()
    assert not giulia.check_password("lampada-blu-42")
