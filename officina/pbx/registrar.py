"""The registrar (RFC 3261 §10.3): who may bind which device to which extension.

Authentication comes first (digest against the extension's credentials,
failures rate-limited per source address), then the bindings of the
request's address of record are added, refreshed or removed. Changes land in
the in-memory directory at once and reach the database a moment later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from officina.pbx.bindings import Binding
from officina.pbx.directory import Directory
from officina.pbx.tags import new_tag
from officina.pbx.transports.base import CONNECTION_ORIENTED, Flow
from officina.sip import NameAddress, SipRequest, SipResponse, SipUri, make_response

if TYPE_CHECKING:
    from officina.pbx.selectors import DirectoryEntry

logger = logging.getLogger("officina.pbx.registrar")

SUPPORTED_EXTENSIONS = frozenset({"path", "outbound", "gruu", "100rel", "timer", "replaces"})


@dataclass(frozen=True, slots=True)
class RegistrarPolicy:
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600
    max_bindings_per_extension: int = 10


class Registrar:
    def __init__(self, directory: Directory, policy: RegistrarPolicy | None = None) -> None:
        self.directory = directory
        self.policy = policy or RegistrarPolicy()

    @staticmethod
    def precheck(request: SipRequest) -> SipResponse | None:
        """What makes a REGISTER unanswerable before authentication (None: fine).

        The headers the registrar reads (To, Contact, Expires...) are parsed when read,
        and a malformed one gets 400 then; the rest is not worth parsing on the path
        every phone takes every few minutes.
        """
        unsupported = [token for token in request.require if token not in SUPPORTED_EXTENSIONS]
        if unsupported:
            return make_response(request, 420, headers=[("Unsupported", ", ".join(unsupported))])
        return None

    def handle(
        self, request: SipRequest, flow: Flow, entry: DirectoryEntry, wall: float
    ) -> SipResponse:
        """The final response to an authenticated REGISTER from ``entry``'s credentials."""
        to_uri = request.to.uri
        if not isinstance(to_uri, SipUri) or to_uri.user != entry.number:
            # A member may bind devices to their own extension only.
            return make_response(request, 403, "Forbidden (To does not match the credentials)")
        # "Contact: *" reads as no contacts; only then is the wildcard worth looking for.
        contacts = request.contacts
        if not contacts:
            if request.is_contact_wildcard:
                return self._remove_all(request, entry, wall)
            return self._ok(request, entry, wall)
        default = request.expires
        wanted: list[tuple[NameAddress, str, int]] = []
        for contact in contacts:
            expires = contact.expires
            if expires is None:
                expires = default if default is not None else self.policy.default_expires
            if 0 < expires < self.policy.min_expires:
                return make_response(
                    request, 423, headers=[("Min-Expires", str(self.policy.min_expires))]
                )
            # The key and the URI text are worked out once per contact: both serialise it.
            wanted.append((contact, binding_key(contact), min(expires, self.policy.max_expires)))
        call_id = request.call_id
        cseq = request.cseq.number
        stored = {b.binding_key: b for b in self.directory.live_bindings(entry.extension_id, wall)}
        for _contact, key, _expires in wanted:
            previous = stored.get(key)
            if previous is not None and previous.call_id == call_id and previous.cseq >= cseq:
                # An old REGISTER arriving after a newer one (RFC 3261 §10.3 step 7).
                return make_response(request, 500, "Out Of Order Registration")
        user_agent = request.header("User-Agent") or ""
        path = ", ".join(request.header_values("Path"))
        for contact, key, expires in wanted:
            if expires == 0:
                self.directory.remove_binding(entry.extension_id, key)
                stored.pop(key, None)
                continue
            previous = stored.get(key)
            binding = Binding(
                extension_id=entry.extension_id,
                binding_key=key,
                contact_uri=str(contact.uri),
                q=contact.q,
                transport=flow.transport,
                received_host=flow.host,
                received_port=flow.port,
                connection_key=flow.connection_key if flow.transport in CONNECTION_ORIENTED else "",
                node=self.directory.node,
                path=path,
                user_agent=user_agent[:255],
                instance_id=(contact.instance or "")[:255],
                reg_id=contact.reg_id,
                call_id=call_id,
                cseq=cseq,
                registered_at=previous.registered_at if previous is not None else wall,
                expires_at=wall + expires,
            )
            self.directory.save_binding(binding, previous)
            stored[key] = binding
        self._enforce_limit(entry.extension_id, wall)
        return self._ok(request, entry, wall)

    def _remove_all(self, request: SipRequest, entry: DirectoryEntry, wall: float) -> SipResponse:
        if request.expires != 0:
            return make_response(request, 400, "Bad Request (Contact * needs Expires: 0)")
        call_id, cseq = request.call_id, request.cseq.number
        for binding in self.directory.live_bindings(entry.extension_id, wall):
            if binding.call_id == call_id and binding.cseq >= cseq:
                continue
            self.directory.remove_binding(entry.extension_id, binding.binding_key)
        return self._ok(request, entry, wall)

    def _enforce_limit(self, extension_id: int, wall: float) -> None:
        live = self.directory.live_bindings(extension_id, wall)
        if len(live) <= self.policy.max_bindings_per_extension:
            return
        # Too many devices: the ones registered longest ago give way.
        oldest_first = sorted(live, key=lambda b: b.registered_at)
        for binding in oldest_first[: len(live) - self.policy.max_bindings_per_extension]:
            self.directory.remove_binding(extension_id, binding.binding_key)

    def _ok(self, request: SipRequest, entry: DirectoryEntry, wall: float) -> SipResponse:
        headers = [
            ("Contact", contact_value(binding, wall))
            for binding in self.directory.live_bindings(entry.extension_id, wall)
        ]
        if request.has_header("Supported"):
            supported = request.supported
            if "path" in supported:
                headers.extend(("Path", value) for value in request.header_values("Path"))
            if "outbound" in supported and any(c.reg_id is not None for c in request.contacts):
                # The UA learns that its flows are kept (RFC 5626 §6): keep-alives are
                # answered here (CRLF on streams, STUN on UDP) and its flow is used.
                headers.append(("Require", "outbound"))
        return make_response(request, 200, to_tag=new_tag(), headers=headers)


def binding_key(contact: NameAddress) -> str:
    """The identity of a binding: instance and reg-id (RFC 5626) or the contact URI."""
    instance = contact.instance
    if instance:
        return f"instance:{instance};reg-id={contact.reg_id or 0}"[:512]
    return str(contact.uri)[:512]


def contact_value(binding: Binding, wall: float) -> str:
    """A binding as the 200 OK lists it, with what RFC 5626 asks to be echoed."""
    value = f"<{binding.contact_uri}>;expires={max(0, int(binding.expires_at - wall))}"
    if binding.instance_id:
        value += f';+sip.instance="<{binding.instance_id}>"'
        if binding.reg_id is not None:
            value += f";reg-id={binding.reg_id}"
    return value
