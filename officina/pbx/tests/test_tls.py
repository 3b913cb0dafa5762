"""SIP over TLS (RFC 3261 §26.2) with a real phone: a baresip registers over TLS with a
certificate made here by a test authority, calls a baresip registered over UDP and is
called back on its own TLS connection; audio, encrypted with SRTP keyed in the SDP
(SDES) that the PBX passes through, flows both ways. Bad clients (cleartext on
the TLS port) are dropped while the PBX goes on serving."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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
from officina.pbx.transports.tcp import TlsCertificateError, TlsContexts

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("sox") is None,
        reason="baresip and sox are needed",
    ),
]

PASSWORDS = {"201": "alice-baresip-pw", "202": "bob-baresip-pw"}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A test authority and a certificate it signed for 127.0.0.1: (ca, cert, key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Officina test authority"))
        .issuer_name(_name("Officina test authority"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(HOST))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def certificates(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path)


@pytest.fixture
def pbx(certificates: tuple[Path, Path, Path]) -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    ca, cert, key = certificates
    base = port_base() + 70
    with live_pbx(base, tls=TlsContexts(str(cert), str(key), str(ca)), tls_port=base + 1) as pbx:
        yield pbx


def test_a_phone_on_tls_calls_a_phone_on_udp_and_is_called_back_on_its_connection(
    pbx, certificates, tmp_path
):
    ca, _cert, _key = certificates
    tone(tmp_path, 30)
    base, tls_port = pbx.port, pbx.port + 1
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    # baresip listens on its SIP port (UDP, TCP) and the next (TLS): control ports apart.
    # Both phones insist on SRTP keyed in the SDP (SDES, RFC 4568): the PBX passes the
    # keys through untouched, and the call has audio only if it does.
    srtp = ";mediaenc=srtp-mand"
    configure(alice, "201", pbx, base + 2, base + 8, base + 10, srtp)
    configure(bob, "202", pbx, base + 4, base + 9, base + 20, srtp)
    for home in (alice, bob):
        (home / "config").write_text((home / "config").read_text() + "module srtp.so\n")
    # Alice's phone speaks TLS only, and trusts the test authority.
    config = (alice / "config").read_text().replace("sip_trans_def udp", "sip_trans_def tls")
    (alice / "config").write_text(config + f"sip_cafile {ca}\n")
    (alice / "accounts").write_text(
        f"<sip:201@{HOST}:{tls_port};transport=tls>;auth_pass={PASSWORDS['201']};"
        f"regint=300;answermode=auto{srtp}\n"
    )
    with running(tmp_path, {"bob": bob, "alice": alice}):
        assert wait_for(lambda: Registration.objects.count() == 2), "both phones register"
        assert Registration.objects.get(extension__number="201").transport == "TLS"

        command(base + 8, "dial", f"sip:202@{HOST}:{tls_port};transport=tls")
        assert wait_for(lambda: CallRecord.objects.filter(outcome="answered").exists())
        time.sleep(4)
        command(base + 8, "hangup")
        assert wait_for(lambda: CallRecord.objects.filter(ended_at__isnull=False).count() == 1)

        # Bob calls back: the INVITE reaches Alice on the TLS connection she opened.
        command(base + 9, "dial", f"sip:201@{HOST}:{base}")
        assert wait_for(
            lambda: CallRecord.objects.filter(caller_number="202", outcome="answered").exists()
        ), "alice answers over TLS"
        time.sleep(4)
        command(base + 9, "hangup")
        assert wait_for(lambda: CallRecord.objects.filter(ended_at__isnull=False).count() == 2)
    for home, name in ((alice, "alice"), (bob, "bob")):
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert log.count("SRTP is Enabled") == 2, f"{name} used SRTP on both calls: {log[-1500:]}"
        decoded = sorted((home / "received").glob("*-dec.wav"))
        assert decoded, f"{name} decoded audio"
        assert all(loudness(path) > 1000 for path in decoded), f"{name} heard the tone"


def test_cleartext_on_the_tls_port_is_dropped_and_tls_clients_are_still_served(pbx, certificates):
    ca, _cert, _key = certificates
    tls_port = pbx.port + 1
    options = (
        b"OPTIONS sip:202@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-t1\r\n"
        b"From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:202@127.0.0.1>\r\nCall-ID: tls-1\r\n"
        b"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
    with socket.create_connection((HOST, tls_port), timeout=10) as plain:
        plain.sendall(options)
        # The handshake fails on a SIP request: closed (perhaps after a TLS alert), no answer.
        assert not plain.recv(4096).startswith(b"SIP/2.0")

    context = ssl.create_default_context(cafile=str(ca))
    with (
        socket.create_connection((HOST, tls_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as secure,
    ):
        secure.sendall(options)
        answer = secure.recv(4096)
    assert answer.startswith(b"SIP/2.0 "), answer
    assert b"Call-ID: tls-1" in answer


def test_a_certificate_that_cannot_be_read_stops_the_start_with_its_name(tmp_path):
    missing = tmp_path / "no-such-cert.pem"
    with pytest.raises(TlsCertificateError, match=r"no-such-cert\.pem"):
        TlsContexts(str(missing), str(missing))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(TlsCertificateError, match=r"garbage\.pem"):
        TlsContexts(str(garbage), str(garbage))
