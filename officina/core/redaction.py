"""A logging filter that blanks credentials out of every line before it is written.

The code itself never logs a secret; this is the second line of defence, for
the lines nobody reviewed: a library quoting a request header, a traceback
quoting a form, the web server's access log quoting a password-reset link.
It works on the rendered message, so it also catches secrets passed as
``%s`` arguments.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# Each pattern keeps its first group (the name, so the line stays readable) and
# replaces the rest of the match.
SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    # HTTP and SIP credentials: "Authorization: Basic ...", "Bearer ...", "Digest username=...".
    re.compile(r"((?:Proxy-)?Authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n]+", re.IGNORECASE),
    re.compile(r"\b((?:Basic|Bearer|Digest)\s+)[^\s'\",]+", re.IGNORECASE),
    # Personal API tokens, wherever they appear.
    re.compile(r"\b(off_)[A-Za-z0-9_-]+"),
    # Cookies, form fields and query strings: sessionid=..., "password": "...".
    re.compile(
        r"((?:sessionid|csrftoken|csrfmiddlewaretoken|[a-z_]*password[a-z_]*|[a-z_]*pin|"
        r"[a-z_]*token|[a-z_]*secret[a-z_]*)['\"]?\s*(?:=|:)\s*['\"]?)[^&;,\s'\"]+",
        re.IGNORECASE,
    ),
    # Links whose path is itself a secret: password reset, sign-up confirmation, calendar feeds.
    re.compile(r"(/password-reset/)(?!sent/|done/)[^\s'\"?]+"),
    re.compile(r"(/signup/confirm/)[^\s'\"?]+"),
    re.compile(r"(/(?:events|bookings)/ical/)(?!regenerate/)[^\s'\"?/.]+"),
)


def redact(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (and traceback) with its secrets blanked out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
