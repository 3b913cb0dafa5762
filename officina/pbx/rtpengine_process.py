"""rtpengine as a child of ``officina serve``, so that the run command alone gives
browsers that can call phones.

Started when the ``rtpengine`` binary is installed (Debian: ``rtpengine-daemon``) and
``RTPENGINE_URL`` names no rtpengine of the site's own; ``--no-rtpengine`` leaves it
out. It runs in userspace (no kernel module, which needs root and a matching kernel),
ignores the system's /etc/rtpengine/rtpengine.conf (whose ports a system rtpengine
would hold), takes its NG commands on a free loopback port and advertises the SIP
server's address. ``officina serve`` supervises it like its other processes: when it
stops, everything stops.
"""

from __future__ import annotations

import shutil
import socket
import subprocess

from django.conf import settings

from officina.pbx.transports.network import guess_advertised_host


def rtpengine_command(ng_port: int, interface: str, port_min: int, port_max: int) -> list[str]:
    return [
        "rtpengine", "--config-file=none", "--foreground", "--table=-1",
        f"--interface={interface}", f"--listen-ng=127.0.0.1:{ng_port}",
        f"--port-min={port_min}", f"--port-max={port_max}",
        "--log-stderr", "--log-level=4",
    ]  # fmt: skip


class RtpEngineProcess:
    """A supervised rtpengine, with the part of multiprocessing's Process interface
    that ``officina serve`` uses for its children."""

    name = "rtpengine"

    def __init__(self, sip_host: str) -> None:
        self.ng_port = _free_udp_port()
        self.url = f"udp://127.0.0.1:{self.ng_port}"
        interface = settings.SIP_ADVERTISED_HOST or guess_advertised_host(sip_host)
        self.command = rtpengine_command(
            self.ng_port, interface, settings.RTPENGINE_PORT_MIN, settings.RTPENGINE_PORT_MAX
        )
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def installed() -> bool:
        return shutil.which("rtpengine") is not None

    def start(self) -> None:
        # The command is ours: a fixed binary and numbers and an address from the settings.
        self._process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)  # noqa: S603

    def is_alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def exitcode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def terminate(self) -> None:
        if self._process is not None:
            self._process.terminate()

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()

    def join(self, timeout: float | None = None) -> None:
        if self._process is None:
            return
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return


def _free_udp_port() -> int:
    """A UDP port nobody holds now on loopback (rtpengine binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
