"""Browser phones through a TURN relay: two members whose browsers may only use relayed
candidates (WEBRTC_ICE_TRANSPORT_POLICY=relay) call each other through a real coturn,
which accepts the credentials Officina makes for them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from officina.pbx.actions import do_provision_extension
from officina.pbx.tests.livepbx import LiveOfficina, live_officina, port_base
from officina.pbx.tests.test_softphone_browser import (
    audio_bytes,
    media_browser,
    signed_in_context,
    wait_for_more_audio,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("turnserver") is None, reason="coturn is not installed"),
]

__all__ = ["media_browser"]  # the fixture, used by name

TURN_SECRET = "officina-turn-test-secret"  # a throwaway relay on loopback


def turn_port() -> int:
    return port_base() + 77


@pytest.fixture
def coturn() -> Iterator[Path]:
    """coturn on 127.0.0.1 with the TURN REST API secret; yields its log file."""
    state = Path(tempfile.mkdtemp(prefix="officina-coturn-"))
    log = state / "turn.log"
    # An empty configuration: Debian's /etc/turnserver.conf sends the log to syslog.
    (state / "turnserver.conf").write_text("")
    process = subprocess.Popen(
        [
            "turnserver", "-c", str(state / "turnserver.conf"),
            "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
            f"--listening-port={turn_port()}",
            f"--min-port={port_base() + 80}", f"--max-port={port_base() + 89}",
            "--use-auth-secret", f"--static-auth-secret={TURN_SECRET}",
            "--realm=officina.test", "--allow-loopback-peers", "--no-cli", "--no-tls",
            "--no-dtls", "--fingerprint", "--verbose", f"--log-file={log}", "--simple-log",
            "--no-stdout-log", f"--pidfile={state / 'turn.pid'}",
            f"--userdb={state / 'turn.db'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def officina(settings: Any, coturn: Path) -> Iterator[LiveOfficina]:
    settings.WEBRTC_TURN_URLS = [f"turn:127.0.0.1:{turn_port()}?transport=udp"]
    settings.WEBRTC_TURN_SECRET = TURN_SECRET
    settings.WEBRTC_ICE_TRANSPORT_POLICY = "relay"
    with live_officina(web_port=port_base() + 76, sip_port=port_base() + 75) as live:
        yield live


SELECTED_PAIR_TYPES = """async () => {
  const stats = await officinaPhone.session.connection.getStats();
  let pair = null;
  stats.forEach((report) => {
    if (report.type === "transport" && report.selectedCandidatePairId) {
      pair = stats.get(report.selectedCandidatePairId);
    }
  });
  if (!pair) return null;
  return [stats.get(pair.localCandidateId).candidateType,
          stats.get(pair.remoteCandidateId).candidateType];
}"""


def open_phone(browser: Any, officina: LiveOfficina, member: Any, **options: Any) -> Any:
    from playwright.sync_api import expect

    page = signed_in_context(browser, officina, member, **options).new_page()
    page.goto("/phone/browser/")
    expect(page.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    return page


def test_two_browsers_talk_through_the_relay_only(
    officina, coturn, media_browser, giulia, marco, settings
):
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201
    do_provision_extension(marco)  # 202
    marco_phone = open_phone(
        media_browser, officina, marco, locale="it-IT", viewport={"width": 390, "height": 844}
    )
    giulia_phone = open_phone(media_browser, officina, giulia, locale="en-US")

    # The page was given the relay, with a credential of Giulia's own.
    servers = giulia_phone.evaluate("() => officinaPhone.iceServers")
    assert servers[0]["urls"] == settings.WEBRTC_TURN_URLS
    assert servers[0]["username"].endswith(":201")
    assert giulia_phone.evaluate("() => officinaPhone.icePolicy") == "relay"

    giulia_phone.fill("#dial-number", "202")
    giulia_phone.click("#call")
    expect(marco_phone.locator("#incoming")).to_be_visible()
    marco_phone.click("#answer")

    wait_for_more_audio(marco_phone, 4000)
    wait_for_more_audio(giulia_phone, 4000)
    assert audio_bytes(marco_phone)[1] > 0 and audio_bytes(giulia_phone)[1] > 0
    # Both ends' media went through coturn: relayed candidates on each side.
    assert giulia_phone.evaluate(SELECTED_PAIR_TYPES) == ["relay", "relay"]
    assert marco_phone.evaluate(SELECTED_PAIR_TYPES) == ["relay", "relay"]
    log = coturn.read_text(errors="replace")
    assert "201" in log and "202" in log  # each allocated with its own credential
    giulia_phone.click("#hangup")
    expect(marco_phone.locator("#in-call")).to_be_hidden()
