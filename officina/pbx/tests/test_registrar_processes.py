"""REGISTERs answered by a registrar process beside the PBX process (Linux), with real
peers: SIPp registers many extensions, baresip registers and is then called.

The PBX runs in a thread of the test process, as in every live test; with
``SIP_REGISTRAR_PROCESSES`` at 1 it starts a registrar process, as ``officina serve``
does, which answers every REGISTER the steering program gives it. The PBX process's
own counter of messages received (``server.stats["received"]``) shows that none of
them reached it; the registrar processes' counters show where they went.
"""

from __future__ import annotations

import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from officina.pbx.actions import do_set_sip_password
from officina.pbx.models import CallRecord, Extension, Registration
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import configure, running, tone, wait_for
from officina.pbx.tests.test_sipp import finished, sipp

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(sys.platform != "linux", reason="the steering program is Linux's"),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

USERS = 40  # extensions 201-240 registered by SIPp; 241 is baresip's
PASSWORDS = {str(201 + index): f"registrar-secret-{index}" for index in range(USERS + 1)}


@pytest.fixture
def pbx(settings: Any) -> Iterator[LivePbx]:
    settings.SIP_REGISTRAR_PROCESSES = 1
    make_extensions(PASSWORDS)
    with live_pbx(port_base() + 40) as live:
        registrars = live.running.registrars
        assert registrars is not None, "the setting starts registrar processes"
        assert wait_for(lambda: registrars.joined == 1, 30), "the registrar process joined"
        yield live


def rows(users: list[str], password_of: dict[str, str] = PASSWORDS) -> list[str]:
    return [
        f"{user};[authentication username={user} password={password_of[user]}]" for user in users
    ]


def register_all(
    tmp_path: Path,
    pbx: LivePbx,
    users: list[str],
    local_port: int,
    password_of: dict[str, str] = PASSWORDS,
) -> int:
    """SIPp registers each of ``users`` once, all from ``local_port`` (as from behind one
    NAT), their contacts at the port after it."""
    process = sipp(
        tmp_path, "register.xml", pbx, local_port, "-m", str(len(users)), "-r", "50",
        "-key", "contact_host", HOST, "-key", "contact_port", str(local_port + 1),
        "-key", "expires", "300", rows=rows(users, password_of),
    )  # fmt: skip
    return finished(process, tmp_path)


def test_registrations_are_answered_by_the_registrar_process_and_calls_find_the_phone(
    pbx, tmp_path
):
    base = pbx.port
    server = pbx.running.server
    registrars = pbx.running.registrars
    assert registrars is not None
    users = [str(201 + index) for index in range(USERS)]
    assert register_all(tmp_path, pbx, users, base + 2) == 0
    # Every REGISTER went to the registrar process: the PBX process received none.
    assert server.stats["received"] == 0
    assert wait_for(lambda: registrars.counts.get("registers", 0) >= 2 * USERS, 5)
    assert registrars.counts["applied"] == USERS, "each 200 sent once its binding was applied"
    live = pbx.running.directory.bindings
    assert all(pbx.running.directory.live_bindings(int(e)) for e in live), "in the PBX's memory"
    assert wait_for(lambda: Registration.objects.count() == USERS, 5), "and persisted"

    tone(tmp_path, 10)
    phone = tmp_path / "phone"
    configure(phone, "201", pbx, base + 10, base + 12, base + 20)
    # configure() writes an account of test_baresip's own users: this one is 241.
    (phone / "accounts").write_text(
        f"<sip:241@{HOST}:{pbx.port}>;auth_pass={PASSWORDS['241']};regint=300;answermode=auto\n"
    )
    with running(tmp_path, {"phone": phone}, seconds=30):
        assert wait_for(
            lambda: Registration.objects.filter(extension__number="241").exists(), 15
        ), "baresip registers"
        assert server.stats["received"] == 0, "through the registrar process"
        # Straight after: the PBX process forks the call to the binding it was given.
        caller = sipp(
            tmp_path, "uac_call.xml", pbx, base + 4, "-m", "1", "-d", "200",
            rows=[f"201;[authentication username=201 password={PASSWORDS['201']}];241"],
        )  # fmt: skip
        assert finished(caller, tmp_path) == 0, "baresip answered the call"
    assert server.stats["received"] > 0, "the call went through the PBX process"
    assert wait_for(
        lambda: CallRecord.objects.filter(callee_number="241", outcome="answered").exists()
    )


def test_a_registrar_process_that_dies_is_replaced_and_registrations_go_on(pbx, tmp_path):
    base = pbx.port
    registrars = pbx.running.registrars
    assert registrars is not None
    (first,) = registrars.processes
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    # Until the new one has joined, the kernel hands REGISTERs to the sockets still bound:
    # the PBX process's, which answers them itself.
    assert register_all(tmp_path, pbx, ["201", "202"], base + 2) == 0
    assert wait_for(lambda: registrars.restarts == 1 and registrars.joined == 1, 30)
    (second,) = registrars.processes
    assert second.pid != first.pid
    received = pbx.running.server.stats["received"]
    assert register_all(tmp_path, pbx, ["203", "204"], base + 4) == 0
    assert pbx.running.server.stats["received"] == received, "the new one answered them"
    assert wait_for(lambda: Registration.objects.count() == 4, 5)


def test_a_changed_password_is_refused_by_the_registrar_process_once_the_pbx_has_it(pbx, tmp_path):
    base = pbx.port
    registrars = pbx.running.registrars
    assert registrars is not None
    assert register_all(tmp_path, pbx, ["201"], base + 2) == 0
    do_set_sip_password(Extension.objects.get(number="201"), "a-new-secret-201")
    # The PBX process re-reads credentials every 5 s and hands them on.
    time.sleep(6.5)
    refused = register_all(tmp_path, pbx, ["201"], base + 4)
    assert refused != 0, "the old password no longer registers"
    assert (
        register_all(tmp_path, pbx, ["201"], base + 6, password_of={"201": "a-new-secret-201"}) == 0
    ), "the new one does"
    # SIPp ends the refused registration with a BYE, the PBX process's to answer; all six
    # REGISTERs went to the registrar process.
    assert wait_for(lambda: registrars.counts.get("registers", 0) == 6, 5)
    assert registrars.counts["applied"] == 2
