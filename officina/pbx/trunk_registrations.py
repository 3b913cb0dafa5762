"""The PBX registering with the providers of trunks that ask for it (RFC 3261 §10.2).

One ``RegistrationClient`` (the sans-IO core) per registering trunk, made again when
the trunk's server, user name, password or expiry change; every second, each one
that is due sends its REGISTER on a client transaction of the PBX. What the
provider last said (registered until, refused, no answer) is written to the trunk
(``trunks.actions.do_record_registration``) in a worker thread, whenever it
changes or the registration is renewed, and shown on the trunk's page.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from officina.sip.registration import RegistrationClient
from officina.sip.rport import Peer
from officina.trunks.actions import do_record_registration
from officina.trunks.kinds import TrunkMode

if TYPE_CHECKING:
    from collections.abc import Callable

    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.trunk_calls import TrunkCalls
    from officina.sip import ClientTransaction, SipRequest, SipResponse
    from officina.trunks.selectors import TrunkPlan

logger = logging.getLogger("officina.pbx.trunk_registrations")

TICK = 1.0


class TrunkRegistrations:
    def __init__(
        self,
        trunks: TrunkCalls,
        layer: PbxTransactions,
        contact_host: str,
        contact_port: int,
        clock: Callable[[], float],
        wall: Callable[[], float],
    ) -> None:
        self.trunks = trunks
        self.layer = layer
        self.contact_host = contact_host
        self.contact_port = contact_port
        self.clock = clock
        self.wall = wall
        # trunk id → (what the client was made from, the client)
        self.clients: dict[int, tuple[tuple[object, ...], RegistrationClient]] = {}
        self._reported: dict[int, tuple[str, str, float | None]] = {}
        self.pending_reports: list[tuple[int, str, str, float, float | None]] = []

    def _client_for(self, trunk: TrunkPlan, now: float) -> RegistrationClient:
        made_from = (trunk.host, trunk.port, trunk.username, trunk.password, trunk.register_seconds)
        kept = self.clients.get(trunk.trunk_id)
        if kept is not None and kept[0] == made_from:
            return kept[1]
        client = RegistrationClient(
            registrar=f"sip:{_host_port(trunk)}",
            user=trunk.username,
            domain=trunk.host,
            contact=f"sip:{trunk.username}@{self.contact_host}:{self.contact_port}",
            password=trunk.password,
            expires=trunk.register_seconds,
            call_id=f"{secrets.token_hex(12)}@{self.contact_host}",
            tag=secrets.token_hex(6),
            now=now,
        )
        self.clients[trunk.trunk_id] = (made_from, client)
        return client

    def tick(self) -> None:
        """Send every REGISTER that is due (and forget trunks that no longer register)."""
        now = self.clock()
        registering = {
            trunk.trunk_id: trunk
            for trunk in self.trunks.providers.snapshot.trunks.values()
            if trunk.mode == TrunkMode.REGISTER and trunk.username and trunk.password
        }
        for trunk_id in list(self.clients):
            if trunk_id not in registering:
                del self.clients[trunk_id]
        for trunk in registering.values():
            client = self._client_for(trunk, now)
            request = client.due(now)
            if request is None:
                continue
            peer = self.trunks.peer_of(trunk)
            if peer is None:
                client.no_answer(now)
                client.last_response = "the provider's server name does not resolve"
                self._report(trunk.trunk_id, client)
                continue
            self._send(trunk.trunk_id, client, request, peer)

    def _send(
        self, trunk_id: int, client: RegistrationClient, request: SipRequest, peer: Peer
    ) -> None:
        if request.has_header("Via"):
            request.pop_via()  # ours, on the REGISTER answered; forward() puts a new one
        self.layer.forward(
            request,
            peer,
            on_response=partial(self._answered, trunk_id, client, request, peer),
            on_timeout=partial(self._no_answer, trunk_id, client),
        )

    def _answered(
        self,
        trunk_id: int,
        client: RegistrationClient,
        request: SipRequest,
        peer: Peer,
        _transaction: ClientTransaction,
        response: SipResponse,
    ) -> None:
        if response.status < 200:
            return
        again = client.answered(request.copy(), response, self.clock())
        self._report(trunk_id, client)
        if again is not None and self.clients.get(trunk_id, (None, None))[1] is client:
            self._send(trunk_id, client, again, peer)

    def _no_answer(
        self, trunk_id: int, client: RegistrationClient, _transaction: ClientTransaction
    ) -> None:
        client.no_answer(self.clock())
        self._report(trunk_id, client)

    def _report(self, trunk_id: int, client: RegistrationClient) -> None:
        """Queue what the trunk's page shows, when it changed or was renewed."""
        until = (
            self.wall() + (client.registered_until - self.clock())
            if client.registered_until is not None
            else None
        )
        seen = (str(client.state), client.last_response, until)
        last = self._reported.get(trunk_id)
        if last is not None and last[:2] == seen[:2]:
            before = last[2]
            # The same news, and no renewal (a refresh moves the end by seconds at least).
            if (until is None and before is None) or (
                until is not None and before is not None and abs(until - before) < 1.0
            ):
                return
        self._reported[trunk_id] = seen
        self.pending_reports.append(
            (trunk_id, str(client.state), client.last_response, self.wall(), until)
        )

    async def run(self, every: float = TICK) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            try:
                self.tick()
                if self.pending_reports:
                    reports, self.pending_reports = self.pending_reports, []
                    await loop.run_in_executor(None, _write, reports)
            except Exception:
                logger.exception("trunk registrations: could not go on this second")


def _write(reports: list[tuple[int, str, str, float, float | None]]) -> None:
    for trunk_id, state, last_response, checked, until in reports:
        do_record_registration(
            trunk_id,
            state,
            last_response,
            datetime.fromtimestamp(checked, UTC),
            datetime.fromtimestamp(until, UTC) if until is not None else None,
        )


def _host_port(trunk: TrunkPlan) -> str:
    return trunk.host if trunk.port == 5060 else f"{trunk.host}:{trunk.port}"
