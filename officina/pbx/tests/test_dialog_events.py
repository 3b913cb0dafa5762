"""The dialog event package's documents over time (RFC 4235 §4.1), on the in-memory
network: the state in full first, then each change alone with the version one higher,
and the state in full again after a NOTIFY the phone never answered."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from officina.pbx.dialog_events import EARLY, RECIPIENT, TRYING, DialogEvents
from officina.pbx.subscriptions import Subscription
from officina.pbx.tests.harness import REALM, Pbx
from officina.pbx.tests.test_server import pbx  # noqa: F401
from officina.pbx.transports.base import Flow
from officina.sip import SipRequest, make_response
from officina.sip.rport import Peer

pytestmark = pytest.mark.django_db

PHONE = Peer("UDP", "10.0.0.10", 5060)
NS = "{urn:ietf:params:xml:ns:dialog-info}"


def notifies(pbx: Pbx) -> list[SipRequest]:  # noqa: F811
    sent = pbx.network.take(PHONE.host, PHONE.port)
    return [message for message in sent if isinstance(message, SipRequest)]


def answer(pbx: Pbx, notify: SipRequest) -> None:  # noqa: F811
    flow = Flow(PHONE.transport, PHONE.host, PHONE.port, sender=pbx.network)
    pbx.server.receive(make_response(notify, 200).serialize(), flow)


def document(notify: SipRequest) -> tuple[int, str, dict[str, str | None]]:
    """(version, full or partial, the state of each dialog by id)."""
    info = ElementTree.fromstring(notify.body)  # noqa: S314 - our own PBX's document
    dialogs = {d.get("id", ""): d.findtext(f"{NS}state") for d in info.findall(f"{NS}dialog")}
    return int(info.get("version", "-1")), info.get("state", ""), dialogs


def test_changes_follow_a_full_state_alone_and_a_lost_notify_brings_it_all_again(pbx):  # noqa: F811
    events = DialogEvents(pbx.server.layer, REALM, pbx.clock.monotonic, pbx.directory)
    marco = pbx.directory.entry("202")
    giulia = pbx.directory.entry("201")
    assert marco is not None and giulia is not None
    watching = Subscription(
        call_id="watch-1", local_tag="ours", subscriber_id=giulia.extension_id,
        extension_id=marco.extension_id, target=f"sip:201@{PHONE.host}:{PHONE.port}",
        peer=PHONE, from_header=f"<sip:202@{REALM}>;tag=ours",
        to_header=f"<sip:201@{REALM}>;tag=theirs", expires_at=pbx.clock.now + 600,
        resource="202",
    )  # fmt: skip
    events.subscriptions[watching.call_id] = watching
    events.subscribed(watching)
    (first,) = notifies(pbx)
    assert document(first) == (0, "full", {})
    answer(pbx, first)

    events.changed("202", "call-1", RECIPIENT, TRYING, "201")
    (second,) = notifies(pbx)
    assert document(second) == (1, "partial", {"call-1": "trying"})
    answer(pbx, second)

    events.changed("202", "call-2", RECIPIENT, EARLY, "203", local_tag="m", remote_tag="s")
    (third,) = notifies(pbx)
    assert document(third) == (2, "partial", {"call-2": "early"}), "only what changed"
    pbx.advance(40)  # never answered: the NOTIFY's transaction times out (64 x T1)
    notifies(pbx)  # its retransmissions

    events.changed("202", "call-1", RECIPIENT, EARLY, "201", local_tag="m1", remote_tag="g")
    (fourth,) = notifies(pbx)
    assert document(fourth) == (3, "full", {"call-1": "early", "call-2": "early"})
    answer(pbx, fourth)
    events.changed("202", "call-1", RECIPIENT, EARLY, "201")
    assert notifies(pbx) == [], "nothing new: nothing told"
