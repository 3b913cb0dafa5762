from __future__ import annotations

import pytest
from django.urls import reverse

from officina.knowledge.actions import check_ask_question
from officina.search.actions import do_rebuild_index
from officina.social.actions import check_create_post


@pytest.fixture
def indexed(giulia, navigli):
    check_ask_question(giulia, title="Progettazione <b>acustica</b> della sala?", body="Idee?")
    check_create_post(giulia, "Progetti riservati al Navigli", visibility="space", space=navigli)
    do_rebuild_index()


def test_needs_a_member(client):
    response = client.get(reverse("search:results"), {"q": "x"})
    assert response.status_code == 302


def test_groups_and_escaped_highlights(client_for, marco, indexed):
    response = client_for(marco).get(reverse("search:results"), {"q": "progetti"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="results-question"' in html
    assert 'id="results-post"' in html
    assert "<mark>Progettazione</mark> &lt;b&gt;acustica&lt;/b&gt;" in html


def test_outsider_sees_only_what_they_may(client_for, sara, indexed):
    html = client_for(sara).get(reverse("search:results"), {"q": "progetti"}).content.decode()
    assert 'id="results-question"' in html
    assert 'id="results-post"' not in html


@pytest.mark.parametrize("query", ["", '"', "AND (", "x" * 1000, "<script>alert(1)</script>"])
def test_any_query_renders(client_for, marco, indexed, query):
    response = client_for(marco).get(reverse("search:results"), {"q": query, "kind": "nope"})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_one_kind_only(client_for, marco, indexed):
    response = client_for(marco).get(reverse("search:results"), {"q": "progetti", "kind": "post"})
    assert list(response.context["results"].groups) == ["post"]
