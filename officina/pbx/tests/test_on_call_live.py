"""Who's here shows who is on a call, live: Giulia and Marco are checked in at Navigli,
each with a baresip phone; Luca watches the space's who's-here page in Chromium on a
phone. Giulia calls Marco: Giulia's name gets "on a call" on Luca's page as soon as
Marco's phone answers (and on a page loaded then, from the call records), and loses it
when she hangs up. Marco lets only his company's people see his presence: Luca's page
never hears about his phone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from officina.accounts.actions import check_set_presence_visibility
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import (
    HOST,
    LiveOfficina,
    live_officina,
    port_base,
    signed_in_context,
)
from officina.pbx.tests.test_baresip import command, configure, wait_for
from officina.presence.actions import check_check_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("sox") is None,
        reason="baresip and sox are needed",
    ),
]

PHONE = {"width": 390, "height": 844}
PASSWORDS = {"giulia": "giulia-live-pw", "marco": "marco-live-pw"}


@pytest.fixture
def officina() -> Iterator[LiveOfficina]:
    with live_officina(web_port=port_base() + 36, sip_port=port_base() + 40) as live:
        yield live


@pytest.fixture
def numbers(giulia: Any, marco: Any, navigli: Any) -> dict[str, str]:
    """Giulia and Marco with extensions, checked in at Navigli; Marco shows his presence
    to his company's people only (Luca is not one of them). Made before Chromium starts:
    the check-ins announce themselves, which cannot be done beside Playwright's loop."""
    made = {}
    for name, member in (("giulia", giulia), ("marco", marco)):
        extension = do_provision_extension(member)
        do_set_sip_password(extension, PASSWORDS[name])
        made[name] = extension.number
        check_check_in(member, navigli)
    check_set_presence_visibility(marco, "companies")
    return made


@pytest.fixture
def chromium(numbers: dict[str, str]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from officina.conftest import CHROMIUM, CHROMIUM_ARGS

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def phone(tmp_path: Path, officina: LiveOfficina, number: str, password: str, index: int) -> Path:
    home = tmp_path / f"phone{number}"
    base = officina.sip_port
    # baresip listens for TLS on the port above its SIP port.
    pbx = SimpleNamespace(port=base)  # where configure() points the account, rewritten below
    configure(home, "201", pbx, base + 1 + 2 * index, base + 7 + index, base + 10 + index * 10)  # type: ignore[arg-type]
    (home / "accounts").write_text(
        f"<sip:{number}@{HOST}:{base}>;auth_pass={password};regint=300;answermode=auto\n"
    )
    return home


def test_whos_here_shows_who_is_on_a_call_live(
    officina, numbers, chromium, tmp_path, giulia, marco, luca, navigli
):
    officina.running.directory.load()  # the new extensions, without waiting for the refresh
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "synth", "20", "sine", "440"],
        check=True,
    )  # fmt: skip
    homes = [
        phone(tmp_path, officina, numbers["giulia"], PASSWORDS["giulia"], 0),
        phone(tmp_path, officina, numbers["marco"], PASSWORDS["marco"], 1),
    ]
    logs = [(tmp_path / f"{home.name}.log").open("w") for home in homes]
    phones = [
        subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "60"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        for home, log in zip(homes, logs, strict=True)
    ]  # fmt: skip
    context = signed_in_context(chromium, officina, luca, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    heard: list[dict[str, Any]] = []
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived", lambda frame: heard.append(json.loads(frame))
        ),
    )  # fmt: skip
    try:
        with page.expect_websocket():
            page.goto(f"/spaces/{navigli.slug}/")
        giulia_row = page.locator(f"#present-list li[data-member-id='{giulia.pk}']")
        giulia_row.wait_for()
        assert page.locator(f"#present-list li[data-member-id='{marco.pk}']").count() == 0
        assert giulia_row.locator(".on-call").count() == 0
        assert wait_for(lambda: len(officina.running.directory.bindings) == 2, 20), "registered"

        command(officina.sip_port + 7, "dial", f"sip:{numbers['marco']}@{HOST}:{officina.sip_port}")
        giulia_row.locator(".on-call", has_text="on a call").wait_for()
        assert wait_for(lambda: CallRecord.objects.filter(outcome="answered").exists())
        again = context.new_page()
        again.goto(f"/spaces/{navigli.slug}/")
        again.locator(f"#present-list li[data-member-id='{giulia.pk}'] .on-call").wait_for()
        again.close()

        command(officina.sip_port + 7, "hangup")
        giulia_row.locator(".on-call").wait_for(state="detached")
    finally:
        context.close()
        for running in phones:
            running.terminate()
        for running in phones:
            running.wait(10)
        for log in logs:
            log.close()
    phone_events = [message for message in heard if message.get("event") == "phone"]
    assert [(e["member_id"], e["on_call"]) for e in phone_events] == [
        (giulia.pk, True),
        (giulia.pk, False),
    ], "Marco's phone is never told to Luca"
