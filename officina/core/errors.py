"""One error shape for the whole product: a translated message and a code.

Views and the API turn :class:`OfficinaError` into a 4xx answer; callers
match on ``code``, never on the wording, which changes with the language.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    BAD_REQUEST = "BAD_REQUEST"
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"  # also "not allowed": callers cannot tell the two apart
    UNAUTHORIZED = "UNAUTHORIZED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]


_HTTP_STATUS = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.INVALID_INPUT: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
}


class OfficinaError(Exception):
    """A failure the user can understand and act on."""

    def __init__(
        self, message: str | Promise, code: ErrorCode = ErrorCode.BAD_REQUEST, **details: object
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.details = details

    @classmethod
    def invalid_input(cls, message: str | Promise, **details: object) -> OfficinaError:
        """Input the member can correct; ``field=`` names the form field to show it on."""
        return cls(message, ErrorCode.INVALID_INPUT, **details)

    @property
    def http_status(self) -> int:
        return self.code.http_status

    def as_dict(self) -> dict[str, object]:
        return {"code": str(self.code), "message": str(self.message), **self.details}
