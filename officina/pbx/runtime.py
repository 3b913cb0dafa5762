"""The SIP server's entry point for ``officina serve`` (transports, registrar, proxy)."""

from __future__ import annotations


async def run_pbx(host: str, port: int) -> None:
    """Serve SIP on ``host:port`` (UDP and TCP) until cancelled."""
    raise NotImplementedError("The PBX runtime is being built in officina.pbx.")
