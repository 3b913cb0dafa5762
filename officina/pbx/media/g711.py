"""G.711 on whole buffers: numpy lookup tables built from the SIP core's per-sample codec.

The core (``officina.sip.rtp``) defines μ-law and A-law sample by sample in pure
Python, which is the reference but costs about a microsecond a sample. audioop,
which did this in C, left the standard library in Python 3.13; numpy's fancy
indexing applies the same tables to a 160-sample packet in a few microseconds,
and numpy is needed anyway for tone detection. The tables are the core's own, so
the two can never disagree (a test compares them).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import NDArray

from officina.sip.rtp import PCMA, PCMU, alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

Samples = NDArray[np.int16]


@cache
def _decode_table(payload_type: int) -> Samples:
    decode = ulaw_decode if payload_type == PCMU else alaw_decode
    return np.frombuffer(decode(bytes(range(256))), dtype="<i2").astype(np.int16)


@cache
def _encode_table(payload_type: int) -> NDArray[np.uint8]:
    encode = ulaw_encode if payload_type == PCMU else alaw_encode
    every_sample = np.arange(-32768, 32768, dtype="<i2").tobytes()
    # Indexed by the sample's 16-bit pattern (sample & 0xFFFF): rotate so -32768 sits at 32768.
    return np.roll(np.frombuffer(encode(every_sample), dtype=np.uint8), -32768)


def decode(payload: bytes, payload_type: int) -> Samples:
    """G.711 bytes (PCMU or PCMA) -> 16-bit samples."""
    if payload_type not in (PCMU, PCMA):
        raise ValueError(f"not a G.711 payload type: {payload_type}")
    return _decode_table(payload_type)[np.frombuffer(payload, dtype=np.uint8)]


def encode(samples: Samples, payload_type: int) -> bytes:
    """16-bit samples -> G.711 bytes (PCMU or PCMA)."""
    if payload_type not in (PCMU, PCMA):
        raise ValueError(f"not a G.711 payload type: {payload_type}")
    return _encode_table(payload_type)[samples.astype(np.int16).view(np.uint16)].tobytes()
