"""The Permissions-Policy header: which browser features the site's pages may use at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"microphone": ["self"], "camera": []}`` as ``camera=(), microphone=(self)``."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})" for feature, origins in sorted(policy.items())
    )


@sync_and_async_middleware
def permissions_policy_middleware(get_response: Callable[[HttpRequest], Any]) -> Any:
    # Both kinds, so that async views under ASGI are not pushed through a thread for a header.
    header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    if iscoroutinefunction(get_response):
        respond: Callable[[HttpRequest], Awaitable[HttpResponse]] = get_response

        async def add_header_async(request: HttpRequest) -> HttpResponse:
            response = await respond(request)
            response.setdefault("Permissions-Policy", header)
            return response

        return add_header_async

    def add_header(request: HttpRequest) -> HttpResponse:
        response: HttpResponse = get_response(request)
        response.setdefault("Permissions-Policy", header)
        return response

    return add_header
