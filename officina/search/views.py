"""The search page: results grouped by kind, matching words highlighted."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from officina.accounts.signed_in import signed_in_member
from officina.search.kinds import DocumentKind
from officina.search.selectors import MAX_QUERY_LENGTH, search

RESULTS_PER_KIND = 10


@login_required
def results(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in DocumentKind.values else None
    found = search(
        signed_in_member(request),
        query,
        kinds=kinds,
        limit=RESULTS_PER_KIND * (3 if kinds else 1),
    )
    return render(
        request,
        "search/results.html",
        {"query": query, "results": found, "kind": kind if kinds else "", "kinds": DocumentKind},
    )
