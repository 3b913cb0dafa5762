"""No credential, token, password or session id reaches a log line.

The requests below carry secrets every way a client sends them; afterwards
neither the records the code emitted nor the text the configured handler
wrote may contain any of them.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from officina.conftest import TEST_PASSWORD
from officina.core.redaction import REDACTED, RedactSecrets, redact

WRONG_PASSWORD = "cavallo-batteria-graffetta-7"
WRONG_TOKEN = "off_" + "s3cr3tT0kenThatIsNotReal" * 2


@pytest.fixture
def written_log() -> Iterator[io.StringIO]:
    """What the settings' console handler writes, whatever logger the line came from."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(item, RedactSecrets) for item in handler.filters)
    )
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


class RecordedMessages(logging.Handler):
    """Every message as its logger emitted it, before any filter of the handlers."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def emitted_log(caplog: pytest.LogCaptureFixture) -> Iterator[RecordedMessages]:
    caplog.set_level(logging.DEBUG)
    recorder = RecordedMessages()
    root = logging.getLogger()
    root.handlers.insert(0, recorder)  # ahead of the redacting handler
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)


@pytest.mark.django_db
@override_settings(DEBUG=True)  # libraries log the most when DEBUG is on
def test_secrets_sent_to_the_site_never_reach_the_log(giulia, emitted_log, written_log):
    basic = base64.b64encode(f"{giulia.email}:{TEST_PASSWORD}".encode()).decode()
    anonymous = Client()
    anonymous.get("/api/me", headers={"Authorization": f"Basic {basic}"})
    anonymous.get("/api/me", headers={"Authorization": f"Bearer {WRONG_TOKEN}"})
    anonymous.get("/api/me", headers={"Authorization": f"Token {WRONG_TOKEN}"})
    anonymous.post("/login/", {"username": giulia.email, "password": WRONG_PASSWORD})
    anonymous.post("/api/posts", {"password": WRONG_PASSWORD}, content_type="application/json")
    signed_in = Client()
    signed_in.post("/login/", {"username": giulia.email, "password": TEST_PASSWORD})
    session_id = signed_in.cookies["sessionid"].value
    signed_in.get("/api/me")
    signed_in.get("/no-such-page/")
    signed_in.post("/api/spaces/nowhere/check-in", "not json", content_type="application/json")

    secrets = [basic, TEST_PASSWORD, WRONG_PASSWORD, WRONG_TOKEN, session_id]
    emitted = "\n".join(emitted_log.messages)
    assert "Unauthorized: /api/me" in emitted
    for secret in secrets:
        assert secret not in emitted
        assert secret not in written_log.getvalue()


def test_the_handler_blanks_secrets_that_a_careless_line_logs(written_log):
    careless = logging.getLogger("officina.tests.careless")
    careless.warning("request headers: %s", {"Authorization": "Basic dXNlcjpwYXNz"})
    careless.warning("Cookie: sessionid=abc123def456; csrftoken=tok987")
    careless.warning("form: password=%s&next=/", WRONG_PASSWORD)
    careless.warning('"GET /password-reset/MQ/cz2k1b-0123456789abcdef/ HTTP/1.1" 200')
    try:
        raise ValueError(f"bad token {WRONG_TOKEN}")
    except ValueError:
        careless.exception("failed")
    written = written_log.getvalue()
    for secret in ("dXNlcjpwYXNz", "abc123def456", "tok987", WRONG_PASSWORD, WRONG_TOKEN):
        assert secret not in written
    assert "cz2k1b" not in written
    assert written.count(REDACTED) >= 6
    assert "GET /password-reset/" in written


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ('Authorization: Digest username="201", response="abc"', "Authorization: "),
        ("Bearer off_abcdef", "Bearer "),
        ("GET /password-reset/sent/ HTTP/1.1", "/password-reset/sent/"),
        ("GET /signup/confirm/eyJlbWFpbCI6ImEifQ:1abc:xyz/ HTTP/1.1", "/signup/confirm/"),
        ("GET /events/ical/q8Zr0tLkF2/navigli.ics HTTP/1.1", "/events/ical/[redacted]/navigli.ics"),
        ("GET /bookings/ical/zK10kKUyEPknNf41.ics HTTP/1.1", "/bookings/ical/[redacted].ics"),
    ],
)
def test_redaction_keeps_the_names(line, kept):
    assert kept in redact(line)
    if "sent/" not in line:
        assert REDACTED in redact(line)


def test_harmless_lines_are_left_alone():
    line = "Not Found: /members/42/ (spaces navigli, 3 people)"
    assert redact(line) == line
