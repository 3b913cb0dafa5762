"""The search page's query count does not grow with the number of results."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officina.knowledge.actions import check_ask_question
from officina.search.actions import do_rebuild_index
from officina.social.actions import check_create_post

# Posts and questions (found): ranked ids, visibility check, documents = 3 each.
# Members and companies (nothing found): ranked ids only = 1 each.
# The rest is the session, the member and the layout's badges.
SEARCH_PAGE_QUERIES = 2 * 3 + 2 * 1 + 4


def page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("search:results"), {"q": "progetto"})
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_search_page_queries_are_pinned(client_for, giulia, marco, studio_rossi):
    client = client_for(marco)
    check_create_post(giulia, "Un progetto")
    check_ask_question(giulia, title="Un progetto da discutere", body="Chi c'è?")
    do_rebuild_index()
    few = page_queries(client)
    for number in range(30):
        check_create_post(giulia, f"Progetto numero {number}")
        check_ask_question(giulia, title=f"Progetto da discutere {number}", body="Chi c'è?")
    do_rebuild_index()
    many = page_queries(client)
    assert few == many == SEARCH_PAGE_QUERIES
