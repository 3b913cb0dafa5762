"""The JSON API: one NinjaAPI, one error shape, token or session authentication.

Every failure answers ``{"code": ..., "message": ...}`` (plus ``details`` for
validation errors), the same shape as :class:`officina.core.errors.OfficinaError`,
so a client handles errors in one place and matches on ``code``.
"""

from __future__ import annotations

import threading
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from officina.api.auth import api_auth
from officina.api.schemas import translated_when_shown
from officina.core.errors import ErrorCode, OfficinaError


class OfficinaAPI(NinjaAPI):
    """A NinjaAPI that builds its OpenAPI schema once per language and keeps it.

    Building it walks every operation and model: about 2 s of CPU, which ninja would
    spend on every request for ``/api/openapi.json``. The schema changes only with the
    code, and with the reader's language (its titles and descriptions are translated).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[str, str | None, tuple[tuple[str, Any], ...]], OpenAPISchema] = {}
        self._schemas_lock = threading.Lock()

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        key = (get_language() or "", path_prefix, tuple(sorted((path_params or {}).items())))
        with self._schemas_lock:
            schema = self._schemas.get(key)
        if schema is None:
            # Built outside the lock: two first readers may both build it, nobody waits.
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            with self._schemas_lock:
                self._schemas[key] = schema
        return schema


api = OfficinaAPI(
    # Lazy: the schema is built for each request, in the language of whoever reads the docs.
    title=translated_when_shown(gettext_noop("Officina API")),
    version="1",
    description=translated_when_shown(
        gettext_noop("Members, companies, presence, posts and questions of an Officina community.")
    ),
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth,
)


def error_response(
    request: HttpRequest, code: ErrorCode, message: str, status: int, **details: object
) -> HttpResponse:
    return api.create_response(
        request, {"code": str(code), "message": message, **details}, status=status
    )


@api.exception_handler(OfficinaError)
def officina_error(request: HttpRequest, error: OfficinaError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.http_status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    details = [
        {
            "location": [str(part) for part in item.get("loc", ())],
            "message": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in error.errors
    ]
    return error_response(
        request,
        ErrorCode.INVALID_INPUT,
        _("The request has invalid or missing fields."),
        422,
        details=details,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = error_response(
        request,
        ErrorCode.UNAUTHORIZED,
        _("Sign in, or send a valid token in the Authorization: Bearer header."),
        401,
    )
    # RFC 9110 §11.6.1: a 401 names the scheme that would be accepted.
    response["WWW-Authenticate"] = 'Bearer realm="Officina API"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # ninja raises HttpError(400) for a body that is not JSON at all.
    if error.status_code == 400:
        return error_response(
            request, ErrorCode.BAD_REQUEST, _("The request body is not valid JSON."), 400
        )
    code = {403: ErrorCode.PERMISSION_DENIED, 404: ErrorCode.NOT_FOUND}.get(
        error.status_code, ErrorCode.BAD_REQUEST
    )
    return error_response(request, code, str(error), error.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return error_response(request, ErrorCode.NOT_FOUND, _("Not found."), 404)


def _add_routers() -> None:
    # Imported here, after the API object exists: the routers import the apps they
    # serve, and those must not be loaded while this module is half-initialised.
    from officina.api import (
        bookings,
        calls,
        companies,
        contacts,
        forwarding,
        hold_music,
        me,
        meet,
        members,
        phone_calls,
        phone_services,
        posts,
        presence,
        projects,
        questions,
        ring_groups,
        search,
        skills,
        teams,
        trunks,
    )

    api.add_router("/me", me.router)
    api.add_router("/me/forwarding", forwarding.me_router)
    api.add_router("/members", members.router)
    api.add_router("/companies", companies.router)
    api.add_router("/spaces", presence.router)
    api.add_router("/posts", posts.router)
    api.add_router("/questions", questions.questions_router)
    api.add_router("/answers", questions.answers_router)
    api.add_router("/search", search.router)
    api.add_router("/bookings", bookings.router)
    api.add_router("/projects", projects.router)
    api.add_router("/contacts", contacts.router)
    api.add_router("/ring-groups", ring_groups.router)
    api.add_router("/space-ring-groups", ring_groups.space_router)
    api.add_router("/trunks", trunks.router)
    api.add_router("/space-trunks", trunks.space_router)
    api.add_router("/calls", calls.router)
    api.add_router("/hold-music", hold_music.router)
    api.add_router("/forwarding", forwarding.company_router)
    api.add_router("/space-forwarding", forwarding.space_router)
    api.add_router("/phone/calls", phone_calls.router)
    api.add_router("/attendant", phone_services.attendant_router)
    api.add_router("/space-attendant", phone_services.space_attendant_router)
    api.add_router("/conferences", phone_services.conferences_router)
    api.add_router("/people-to-meet", meet.people_router)
    api.add_router("/introductions", meet.introductions_router)
    api.add_router("/team", teams.router)
    api.add_router("/skills", skills.router)


_add_routers()
