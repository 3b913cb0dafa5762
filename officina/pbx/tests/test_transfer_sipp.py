"""An attended transfer (REFER with Replaces, RFC 3891 / RFC 5589 §7) through the proxy,
with SIPp playing the phones (baresip 1.0 transfers blind only).

Bob (202) consults Carol (203): an answered call. Mallory (204) tries to take that
call over with Replaces and is refused. Alice (201) calls Bob; Bob's phone sends her
a REFER whose Refer-To names Carol with the consultation call to replace, and hangs
up. Alice's phone calls Carol with Replaces: an ordinary, authenticated call, let
through because Bob referred her there. The call records say so.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_sipp import eventually, finished, register, sipp

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

PASSWORDS = {
    "201": "alice-attended-pw",
    "202": "bob-attended-pw",
    "203": "carol-attended-pw",
    "204": "mallory-attended-pw",
}


@pytest.fixture
def pbx(monkeypatch: pytest.MonkeyPatch) -> Iterator[LivePbx]:
    # register() and the rows below read the passwords of test_sipp's module.
    monkeypatch.setattr("officina.pbx.tests.test_sipp.PASSWORDS", PASSWORDS)
    make_extensions(PASSWORDS)
    with live_pbx(port_base() + 40) as running:
        yield running


def row(user: str, callee: str) -> str:
    return f"{user};[authentication username={user} password={PASSWORDS[user]}];{callee}"


def test_an_attended_transfer_replaces_the_consultation_call(pbx, tmp_path):
    base = pbx.port
    carol = sipp(tmp_path, "uas_answer.xml", pbx, base + 1, "-m", "2", background=True)
    assert register(tmp_path, pbx, "203", base + 1, base + 2) == 0
    consultation = sipp(
        tmp_path, "uac_call.xml", pbx, base + 3, "-m", "1", "-d", "6000",
        "-cid_str", "consult-%u@bob", rows=[row("202", "203")],
    )  # fmt: skip
    assert eventually(
        lambda: CallRecord.objects.filter(callee_number="203", outcome="answered").exists(), 10
    ), "Carol answers Bob"
    # The consultation call's dialog, as the transferee will name it to Carol (RFC 3891
    # §3: to-tag is Carol's, from-tag is Bob's), from the tags these scenarios write.
    replaces = f"consult-1@bob;to-tag={carol.pid}uas1;from-tag={consultation.pid}uac1"

    mallory = sipp(
        tmp_path, "uac_replaces_refused.xml", pbx, base + 4, "-m", "1",
        "-key", "replaces", replaces, rows=[row("204", "203")],
    )  # fmt: skip
    assert finished(mallory, tmp_path) == 0, "a stranger's Replaces gets 403"

    refer_to = f"<sip:203@{HOST}:{base}?Replaces={quote(replaces, safe='')}>"
    bob = sipp(
        tmp_path, "uas_transferor.xml", pbx, base + 5, "-m", "1",
        "-key", "refer_to", refer_to, "-key", "user", "202", background=True,
    )  # fmt: skip
    assert register(tmp_path, pbx, "202", base + 5, base + 6) == 0
    alice = sipp(tmp_path, "uac_transferee.xml", pbx, base + 7, "-m", "1", rows=[row("201", "202")])
    assert finished(alice, tmp_path) == 0, "Alice accepts the REFER, Bob hangs up"
    assert finished(bob, tmp_path) == 0
    replacing = sipp(
        tmp_path, "uac_call_replaces.xml", pbx, base + 8, "-m", "1", "-d", "300",
        "-key", "replaces", replaces, rows=[row("201", "203")],
    )  # fmt: skip
    assert finished(replacing, tmp_path) == 0, "Alice's call with Replaces reaches Carol"
    assert finished(consultation, tmp_path) == 0
    assert finished(carol, tmp_path) == 0

    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).count() == 3)
    refused = CallRecord.objects.get(caller_number="204")
    assert (refused.outcome, refused.final_status) == ("refused", 403)
    to_bob = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert to_bob.transferred_to == "203"
    to_carol = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert to_carol.outcome == "answered"
    assert to_carol.transferred_by == "202"
    assert to_carol.replaced_call_id == "consult-1@bob"
    consulted = CallRecord.objects.get(caller_number="202")
    assert consulted.transferred_to == "" and consulted.outcome == "answered"
