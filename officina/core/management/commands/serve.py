"""``officina serve``: web server (HTTP and WebSocket) and SIP server in one process."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger("officina.serve")


class Command(BaseCommand):
    help = "Run the Officina web server and SIP server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="web server address")
        parser.add_argument("--port", type=int, default=8000, help="web server port")
        parser.add_argument("--sip-host", default=settings.SIP_HOST, help="SIP server address")
        parser.add_argument(
            "--sip-port", type=int, default=settings.SIP_PORT, help="SIP port (UDP and TCP)"
        )
        parser.add_argument("--no-sip", action="store_true", help="run the web server only")

    def handle(self, *args: Any, **options: Any) -> None:
        from officina.pbx.runtime import use_uvloop

        # uvloop roughly halves the event loop's cost per datagram and per request.
        use_uvloop()
        asyncio.run(self.serve(options))

    async def serve(self, options: dict[str, Any]) -> None:
        from officina.asgi import application

        config = uvicorn.Config(
            application,
            host=options["host"],
            port=options["port"],
            lifespan="off",
            log_level="info",
            # uvicorn's own handlers would bypass the settings' LOGGING (and its redaction of
            # secrets in access-log paths): its loggers propagate to the root handler instead.
            log_config=None,
        )
        web = uvicorn.Server(config)
        jobs = [asyncio.create_task(web.serve(), name="web")]
        if not options["no_sip"]:
            from officina.pbx.runtime import run_pbx

            jobs.append(
                asyncio.create_task(
                    run_pbx(host=options["sip_host"], port=options["sip_port"]), name="sip"
                )
            )
        # Whichever stops first (Ctrl-C ends the web server) takes the other down with it.
        done, pending = await asyncio.wait(jobs, return_when=asyncio.FIRST_COMPLETED)
        for job in pending:
            job.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for job in done:
            if job.exception() is not None:
                raise job.exception()  # type: ignore[misc]
