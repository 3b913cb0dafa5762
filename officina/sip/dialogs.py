"""Dialogs (RFC 3261 §12): identity, route set, remote target and sequence numbers.

    dialog id   = Call-ID + local tag + remote tag
    UAS side    (§12.1.1): route set = Record-Route of the request, in order;
                remote target = Contact of the request; remote CSeq = request CSeq
    UAC side    (§12.1.2): route set = Record-Route of the response, reversed;
                remote target = Contact of the response; local CSeq = request CSeq
    requests    (§12.2.1.1): CSeq = local CSeq + 1 (ACK reuses the INVITE's);
                loose routing (first route has `lr`): Request-URI = remote target,
                Route = route set; strict routing: Request-URI = first route,
                Route = the rest + remote target
    in-dialog requests received (§12.2.2): a CSeq lower than the remote CSeq is
                answered 500; target-refresh requests (INVITE, UPDATE, SUBSCRIBE,
                NOTIFY, REFER) replace the remote target with their Contact

An early dialog (from a 1xx with a To tag) becomes confirmed with the 2xx; a
2xx for an early dialog replaces its route set and remote target (§12.1.2,
§13.2.2.4).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import NamedTuple

from officina.sip.errors import LocalProtocolError, RemoteProtocolError, SipParseError
from officina.sip.headers import NameAddress, Via
from officina.sip.message import SipRequest, SipResponse
from officina.sip.uri import SipUri

TARGET_REFRESH = frozenset({"INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER"})

EARLY = "early"
CONFIRMED = "confirmed"
TERMINATED = "terminated"


def new_tag() -> str:
    """A fresh From/To tag (RFC 3261 §19.3 asks for 32 random bits at least)."""
    return secrets.token_hex(6)


class DialogId(NamedTuple):
    call_id: str
    local_tag: str
    remote_tag: str


def uas_dialog_id(request: SipRequest) -> DialogId | None:
    """The id of the dialog an in-dialog request belongs to, seen by its receiver."""
    to_tag = request.to_tag
    from_tag = request.from_tag
    if not to_tag or from_tag is None:
        return None
    return DialogId(request.call_id, to_tag, from_tag)


def uac_dialog_id(response: SipResponse) -> DialogId | None:
    """The id of the dialog a response belongs to, seen by the request's sender."""
    to_tag = response.to_tag
    from_tag = response.from_tag
    if not to_tag or from_tag is None:
        return None
    return DialogId(response.call_id, from_tag, to_tag)


def _contact_target(message: SipRequest | SipResponse) -> str:
    contacts = message.contacts
    if len(contacts) != 1:
        raise SipParseError("a dialog-creating message needs exactly one Contact")
    return contacts[0].uri_text


class Dialog:
    """One side's view of a dialog."""

    __slots__ = (
        "call_id",
        "is_uac",
        "local_seq",
        "local_tag",
        "local_uri",
        "remote_seq",
        "remote_tag",
        "remote_target",
        "remote_uri",
        "route_set",
        "secure",
        "state",
    )

    def __init__(
        self,
        *,
        call_id: str,
        local_tag: str,
        remote_tag: str,
        local_uri: str,
        remote_uri: str,
        remote_target: str,
        route_set: list[str],
        local_seq: int | None,
        remote_seq: int | None,
        is_uac: bool,
        state: str,
        secure: bool = False,
    ) -> None:
        self.call_id = call_id
        self.local_tag = local_tag
        self.remote_tag = remote_tag
        self.local_uri = local_uri
        self.remote_uri = remote_uri
        self.remote_target = remote_target
        self.route_set = route_set
        self.local_seq = local_seq
        self.remote_seq = remote_seq
        self.is_uac = is_uac
        self.state = state
        self.secure = secure

    @property
    def id(self) -> DialogId:
        return DialogId(self.call_id, self.local_tag, self.remote_tag)

    def __repr__(self) -> str:
        return f"<Dialog {self.state} {self.call_id} {self.local_tag}/{self.remote_tag}>"

    # ------------------------------------------------------------- creation
    @classmethod
    def from_uas(cls, request: SipRequest, local_tag: str) -> Dialog:
        """The dialog a UAS creates when it answers `request` (1xx/2xx with To tag `local_tag`)."""
        from_tag = request.from_tag
        if from_tag is None:
            raise SipParseError("a dialog-creating request needs a From tag")
        uri = request.uri
        return cls(
            call_id=request.call_id,
            local_tag=local_tag,
            remote_tag=from_tag,
            local_uri=request.to.uri_text,
            remote_uri=request.from_.uri_text,
            remote_target=_contact_target(request),
            route_set=[str(route) for route in request.record_routes],
            local_seq=None,
            remote_seq=request.cseq.number,
            is_uac=False,
            state=EARLY,
            secure=isinstance(uri, SipUri) and uri.scheme == "sips",
        )

    @classmethod
    def from_uac(cls, request: SipRequest, response: SipResponse) -> Dialog:
        """The dialog a UAC creates from a 1xx (early) or 2xx (confirmed) with a To tag."""
        to_tag = response.to_tag
        from_tag = request.from_tag
        if not to_tag or from_tag is None:
            raise SipParseError("a dialog-creating response needs From and To tags")
        uri = request.uri
        return cls(
            call_id=request.call_id,
            local_tag=from_tag,
            remote_tag=to_tag,
            local_uri=request.from_.uri_text,
            remote_uri=request.to.uri_text,
            remote_target=_contact_target(response),
            route_set=[str(route) for route in reversed(response.record_routes)],
            local_seq=request.cseq.number,
            remote_seq=None,
            is_uac=True,
            state=CONFIRMED if 200 <= response.status < 300 else EARLY,
            secure=isinstance(uri, SipUri) and uri.scheme == "sips",
        )

    # ------------------------------------------------------------- updates
    def confirm(self, response: SipResponse) -> None:
        """A 2xx reached an early dialog: confirm it; the UAC takes the 2xx's route set."""
        if self.is_uac:
            self.route_set = [str(route) for route in reversed(response.record_routes)]
            if response.contacts:
                self.remote_target = _contact_target(response)
        self.state = CONFIRMED

    def terminate(self) -> None:
        self.state = TERMINATED

    def receive_request(self, request: SipRequest) -> None:
        """Apply an in-dialog request (§12.2.2). Raises RemoteProtocolError(500) when its
        CSeq is lower than the last one seen."""
        number = request.cseq.number
        if request.method not in ("ACK", "CANCEL"):
            if self.remote_seq is not None and number < self.remote_seq:
                raise RemoteProtocolError("CSeq lower than the dialog's", 500)
            self.remote_seq = number
        if request.method in TARGET_REFRESH and request.contacts:
            self.remote_target = _contact_target(request)

    def receive_response(self, response: SipResponse) -> None:
        """Apply a response to an in-dialog request sent on this dialog (target refresh)."""
        if (
            200 <= response.status < 300
            and response.cseq.method in TARGET_REFRESH
            and response.contacts
        ):
            self.remote_target = _contact_target(response)

    # ------------------------------------------------------------- requests
    def create_request(
        self,
        method: str,
        via: Via,
        *,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        max_forwards: int = 70,
        cseq: int | None = None,
    ) -> SipRequest:
        """A request inside the dialog (§12.2.1.1). For ACK pass the INVITE's `cseq`."""
        if self.state == TERMINATED:
            raise LocalProtocolError("the dialog is terminated")
        if method == "ACK" or method == "CANCEL":
            if cseq is None:
                raise LocalProtocolError(f"{method} reuses the CSeq of the request it follows")
            number = cseq
        else:
            number = (self.local_seq or 0) + 1 if cseq is None else cseq
            self.local_seq = number
        request_uri, routes = self._routing()
        lines: list[tuple[str, str]] = [("Via", str(via)), ("Max-Forwards", str(max_forwards))]
        lines += [("Route", route) for route in routes]
        lines += [
            ("From", f"<{self.local_uri}>;tag={self.local_tag}"),
            ("To", f"<{self.remote_uri}>;tag={self.remote_tag}"),
            ("Call-ID", self.call_id),
            ("CSeq", f"{number} {method}"),
        ]
        lines += list(headers)
        return SipRequest(method, request_uri, lines, body)

    def _routing(self) -> tuple[str, list[str]]:
        if not self.route_set:
            return self.remote_target, []
        first = NameAddress.parse(self.route_set[0])
        uri = first.uri
        if isinstance(uri, SipUri) and uri.lr:
            return self.remote_target, list(self.route_set)
        # Strict routing (RFC 2543 proxies): the first route becomes the Request-URI.
        strict_uri = (
            uri.replace(params={k: v for k, v in uri.params.items() if k != "method"}, headers={})
            if isinstance(uri, SipUri)
            else uri
        )
        return str(strict_uri), [*self.route_set[1:], f"<{self.remote_target}>"]


class DialogStore:
    """Dialogs by id: O(1) lookup for in-dialog requests and responses."""

    def __init__(self) -> None:
        self._dialogs: dict[DialogId, Dialog] = {}

    def add(self, dialog: Dialog) -> None:
        self._dialogs[dialog.id] = dialog

    def remove(self, dialog: Dialog) -> None:
        self._dialogs.pop(dialog.id, None)

    def for_request(self, request: SipRequest) -> Dialog | None:
        key = uas_dialog_id(request)
        return None if key is None else self._dialogs.get(key)

    def for_response(self, response: SipResponse) -> Dialog | None:
        key = uac_dialog_id(response)
        return None if key is None else self._dialogs.get(key)

    def get(self, key: DialogId) -> Dialog | None:
        return self._dialogs.get(key)

    def __len__(self) -> int:
        return len(self._dialogs)
