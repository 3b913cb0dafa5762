"""Where a device is reached once it names a new Contact (a registration, a target
refresh): over UDP at that Contact's port when it names the host the device sends from,
at the address it sends from otherwise (behind NAT); over a connection, on it."""

from officina.pbx.transaction_layer import peer_for_target
from officina.sip.rport import Peer

PHONE = Peer("UDP", "192.0.2.10", 5062)


def test_a_contact_on_the_phones_own_host_takes_its_port():
    assert peer_for_target(PHONE, "sip:moved@192.0.2.10:5070") == Peer("UDP", "192.0.2.10", 5070)
    assert peer_for_target(PHONE, "sip:moved@192.0.2.10") == Peer("UDP", "192.0.2.10", 5060)


def test_a_contact_naming_another_host_keeps_the_address_the_phone_sends_from():
    assert peer_for_target(PHONE, "sip:phone@10.0.0.7:5070") == PHONE  # behind NAT
    assert peer_for_target(PHONE, "not a uri") == PHONE


def test_over_a_connection_the_connection_stays():
    over_tls = Peer("TLS", "192.0.2.10", 40_000)
    assert peer_for_target(over_tls, "sip:phone@192.0.2.10:5061;transport=tls") == over_tls


def test_ipv6_hosts_compare_without_brackets():
    phone = Peer("UDP", "2001:db8::10", 5062)
    assert peer_for_target(phone, "sip:moved@[2001:db8::10]:5070") == Peer(
        "UDP", "2001:db8::10", 5070
    )
