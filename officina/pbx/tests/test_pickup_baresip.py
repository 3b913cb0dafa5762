"""Call pickup with real phones: a baresip caller (Alice, 201) rings Bob (202, a SIPp
phone that only rings); Carol (203), a baresip colleague, dials ``*8`` and her phone gets
the call, answering by itself; Alice's tone reaches Carol over RTP."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator

import pytest

from officina.accounts.actions import (
    check_add_company_member,
    check_answer_company_invitation,
    check_create_company,
)
from officina.accounts.models import Member
from officina.pbx.models import CallRecord, Registration
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import (
    command,
    configure,
    loudness,
    running,
    tone,
    wait_for,
)
from officina.pbx.tests.test_busy_lamps_sipp import ringing_on
from officina.pbx.tests.test_sipp import finished, register, sipp

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("sipp") is None,
        reason="baresip and SIPp are needed",
    ),
]

PASSWORDS = {"201": "alice-pickup-pw", "202": "bob-pickup-pw", "203": "carol-pickup-pw"}


@pytest.fixture
def pbx(monkeypatch: pytest.MonkeyPatch) -> Iterator[LivePbx]:
    # configure() and register() read the passwords of their own modules.
    monkeypatch.setattr("officina.pbx.tests.test_baresip.PASSWORDS", PASSWORDS)
    monkeypatch.setattr("officina.pbx.tests.test_sipp.PASSWORDS", PASSWORDS)
    make_extensions(PASSWORDS)
    alice, bob, carol = (Member.objects.get(email=f"peer{index}@example.it") for index in range(3))
    studio = check_create_company(bob, name="Studio Ritiro")
    for colleague in (alice, carol):
        check_add_company_member(bob, studio, email=colleague.email)
        check_answer_company_invitation(colleague, studio, accept=True)
    with live_pbx(port_base() + 60) as running:
        yield running


def test_a_baresip_colleague_picks_up_with_star_8_and_hears_the_caller(pbx, tmp_path):
    tone(tmp_path, 20)
    base = pbx.port
    bob = sipp(
        tmp_path, "uas_ring_answered_elsewhere.xml", pbx, base + 30, "-m", "1", background=True
    )
    assert register(tmp_path, pbx, "202", base + 30, base + 31) == 0
    alice, carol = tmp_path / "alice", tmp_path / "carol"
    configure(alice, "201", pbx, base + 10, base + 12, base + 20)
    configure(carol, "203", pbx, base + 14, base + 16, base + 40)
    with running(tmp_path, {"alice": alice, "carol": carol}):
        assert wait_for(lambda: Registration.objects.count() == 3), "every phone registers"
        command(base + 12, "dial", f"sip:202@{HOST}:{pbx.port}")
        assert wait_for(lambda: ringing_on(pbx, "202")), "Bob's phone rings"
        command(base + 16, "dial", f"sip:*8@{HOST}:{pbx.port}")
        assert wait_for(
            lambda: CallRecord.objects.filter(outcome=CallRecord.Outcome.PICKED_UP).exists()
        ), "Carol's phone answered Alice's call"
        assert finished(bob, tmp_path) == 0, "Bob's phone stopped ringing: CANCEL, cause 200"
        time.sleep(7)  # let the tone flow (and RTCP report it: every 5 s)
        command(base + 12, "hangup")
        assert wait_for(
            lambda: CallRecord.objects.filter(
                outcome=CallRecord.Outcome.PICKED_UP, ended_at__isnull=False
            ).exists()
        ), "the hang-up passed through the proxy"

    carol_log = (tmp_path / "carol.log").read_text(errors="replace")
    assert "Call Picked Up" in carol_log, "her *8 was answered 480 Call Picked Up"
    received = re.search(r"PR=(\d+);", carol_log)
    assert received and int(received.group(1)) > 100, f"Carol received RTP: {carol_log[-800:]}"
    (decoded,) = (carol / "received").glob("*-dec.wav")
    assert loudness(decoded) > 1000, "Carol heard Alice's tone"
    record = CallRecord.objects.get(outcome=CallRecord.Outcome.PICKED_UP)
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.callee is not None and record.callee.number == "203"
