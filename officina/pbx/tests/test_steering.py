"""The steering program in the kernel: REGISTERs to the registrar processes' sockets by
source port, everything else to the first socket bound (the PBX process's)."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from officina.pbx.transports.steering import attach_steering

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_ATTACH_REUSEPORT_CBPF")

REGISTRARS = 2


def group(family: socket.AddressFamily, host: str) -> list[socket.socket]:
    """The PBX's socket, then the registrars', in the order of binding, steered."""
    sockets: list[socket.socket] = []
    port = 0
    for _ in range(1 + REGISTRARS):
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.setblocking(False)
        port = sock.getsockname()[1]
        sockets.append(sock)
    attach_steering(sockets[0], REGISTRARS)
    return sockets


def read_all(sockets: list[socket.socket]) -> list[list[bytes]]:
    time.sleep(0.1)
    received: list[list[bytes]] = []
    for sock in sockets:
        got = []
        while True:
            try:
                got.append(sock.recv(100).split(b" ", 1)[0])
            except BlockingIOError:
                break
        received.append(got)
    return received


@pytest.mark.parametrize(
    ("family", "host"), [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]
)
def test_registers_go_to_a_registrar_by_source_port_and_the_rest_to_the_pbx(family, host):
    try:
        sockets = group(family, host)
    except OSError as error:
        pytest.skip(f"no {host}: {error}")
    clients = []
    try:
        for _ in range(6):
            client = socket.socket(family, socket.SOCK_DGRAM)
            client.bind((host, 0))
            clients.append(client)
            for message in (b"REGISTER sip:x SIP/2.0", b"INVITE sip:x SIP/2.0", b"\r\n"):
                client.sendto(message, sockets[0].getsockname()[:2])
            expected = 1 + client.getsockname()[1] % REGISTRARS
            received = read_all(sockets)
            assert received[expected] == [b"REGISTER"], received
            assert received[0] == [b"INVITE", b"\r\n"], "the rest, short or not, to the PBX"
    finally:
        for sock in sockets + clients:
            sock.close()


def test_a_register_for_a_registrar_that_has_gone_lands_on_a_socket_still_bound():
    sockets = group(socket.AF_INET, "127.0.0.1")
    pbx, first, second = sockets
    second.close()  # its index is now past the group's end: the kernel's hash decides
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        while client.getsockname()[1] % REGISTRARS != 1:  # a port steered to the gone one
            client.close()
            client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            client.bind(("127.0.0.1", 0))
        for _ in range(4):
            client.sendto(b"REGISTER sip:x SIP/2.0", pbx.getsockname())
        received = read_all([pbx, first])
        assert sum(len(got) for got in received) == 4, "every one read by a bound socket"
    finally:
        for sock in (pbx, first, client):
            sock.close()
