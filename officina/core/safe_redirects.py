"""Redirects to an address the request brings with it, kept within this site.

A ``next`` field or a stored link is whatever someone put there: followed blindly,
``?next=https://evil.example`` turns a trusted address into a phishing hop (an
open redirect). Every such redirect goes through :func:`redirect_within_site`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def is_within_site(request: HttpRequest, url: str) -> bool:
    """Whether ``url`` leads to this site, over HTTPS when the request came over HTTPS."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def redirect_within_site(request: HttpRequest, url: str, fallback: str) -> HttpResponseRedirect:
    """Redirect to ``url`` if it stays on this site, else to ``fallback`` (a URL or URL name)."""
    return redirect(url if is_within_site(request, url) else fallback)


def redirect_to_next(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back where the form's (or the address's) ``next`` says, if that is on this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    return redirect_within_site(request, url, fallback)
