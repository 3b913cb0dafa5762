"""Which process of the SIP port's group reads a datagram: REGISTERs to the registrar
processes, everything else to the PBX process (Linux).

Every process binds the SIP port with ``SO_REUSEPORT``; the kernel then picks one of
the group's sockets for each datagram. By default it hashes the source address and
port, which gives one process everything a NAT (or SIPp) sends from one address. A
classic BPF program attached with ``SO_ATTACH_REUSEPORT_CBPF`` picks the socket
instead, by its index in the group (the order of binding), and for UDP the kernel runs
it with the datagram's payload, the SIP message, at offset 0:

* a payload that does not start with ``REGI`` goes to socket 0, the PBX process,
  which binds first: INVITEs, responses, in-dialog requests, keep-alives, STUN;
* a REGISTER goes to socket 1 + (source port mod N), one of the N registrar
  processes: the retransmissions of one phone's REGISTERs, and its next REGISTER with
  credentials, reach the process that challenged it. The source port is read from the
  UDP header through ``SKF_NET_OFF`` (IPv4 with any header length; IPv6 when UDP
  follows the fixed header, else registrar 1).

An index past the group's last socket (a registrar process that has died and not yet
come back) makes the kernel fall back to its hash over the sockets still there, the
PBX process's among them: a REGISTER is answered wherever it lands. A payload shorter
than four bytes stops the program, which then returns 0: the PBX process.
"""

from __future__ import annotations

import ctypes
import socket
import struct
import sys

SO_ATTACH_REUSEPORT_CBPF = 51  # linux/asm-generic/socket.h
SKF_NET_OFF = -0x100000  # linux/filter.h: loads relative to the network header

# Classic BPF opcodes (linux/filter.h), class | size | mode.
_LD_W_ABS = 0x20
_LD_H_ABS = 0x28
_LD_B_ABS = 0x30
_LD_H_IND = 0x48
_LDX_B_MSH = 0xB1  # X = 4 * (byte & 0xf): the IPv4 header's length
_ALU_AND_K = 0x54
_ALU_ADD_K = 0x04
_ALU_MOD_K = 0x94
_JMP_JA = 0x05
_JEQ_K = 0x15
_RET_K = 0x06
_RET_A = 0x16

REGISTER_PREFIX = int.from_bytes(b"REGI", "big")
_UDP = 17
_NET = SKF_NET_OFF & 0xFFFFFFFF  # the field is unsigned; the kernel reads it as signed

Instruction = tuple[int, int, int, int]  # code, jump if true, jump if false, k


def steering_supported() -> bool:
    return sys.platform == "linux"


def steering_program(registrars: int) -> list[Instruction]:
    """REGISTER to socket 1 + (source port mod ``registrars``), the rest to socket 0."""
    if registrars < 1:
        raise ValueError("steering needs at least one registrar process")
    return [
        (_LD_W_ABS, 0, 0, 0),  # 0: A = the payload's first four bytes
        (_JEQ_K, 1, 0, REGISTER_PREFIX),  # 1: a REGISTER: on to 3
        (_RET_K, 0, 0, 0),  # 2: anything else: the PBX process
        (_LD_B_ABS, 0, 0, _NET),  # 3: A = the IP header's first byte
        (_ALU_AND_K, 0, 0, 0xF0),  # 4: its version
        (_JEQ_K, 0, 3, 0x40),  # 5: IPv4 on to 6, else to 9
        (_LDX_B_MSH, 0, 0, _NET),  # 6: X = the IPv4 header's length
        (_LD_H_IND, 0, 0, _NET),  # 7: A = the UDP source port, right after it
        (_JMP_JA, 0, 0, 4),  # 8: to 13
        (_JEQ_K, 0, 6, 0x60),  # 9: IPv6 on to 10, else to 16
        (_LD_B_ABS, 0, 0, (SKF_NET_OFF + 6) & 0xFFFFFFFF),  # 10: A = the next header
        (_JEQ_K, 0, 4, _UDP),  # 11: UDP right after the fixed header: on to 12, else 16
        (_LD_H_ABS, 0, 0, (SKF_NET_OFF + 40) & 0xFFFFFFFF),  # 12: A = the UDP source port
        (_ALU_MOD_K, 0, 0, registrars),  # 13
        (_ALU_ADD_K, 0, 0, 1),  # 14
        (_RET_A, 0, 0, 0),  # 15: socket 1 + (port mod N)
        (_RET_K, 0, 0, 1),  # 16: the first registrar process
    ]


def attach_steering(sock: socket.socket, registrars: int) -> None:
    """Steer the datagrams of ``sock``'s ``SO_REUSEPORT`` group (raises OSError when the
    kernel refuses the program)."""
    program = steering_program(registrars)
    code = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code)
    # struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the kernel
    # copies the program during setsockopt, so the buffer need not outlive the call.
    fprog = struct.pack("HL", len(program), ctypes.addressof(buffer))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, fprog)
