"""G.711 on whole buffers: numpy lookup tables built from the SIP core's per-sample codec.

The core (``officina.sip.rtp``) defines μ-law and A-law sample by sample in pure
Python, which is the reference but costs about a microsecond a sample. audioop,
which did this in C, left the standard library in Python 3.13; numpy's fancy
indexing applies the same tables to a 160-sample packet in a few microseconds,
and numpy is needed anyway for tone detection. The tables are the core's own, so
the two can never disagree (a test compares them).

A conference room decodes and encodes a frame of every caller at every tick, each in
their own law: ``decode_rows`` and ``encode_rows`` do a whole room's frames in one
lookup, in a table holding both laws, rather than one lookup per caller.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def silence(payload_type: int) -> bytes:
    """A 20 ms frame of silence in ``payload_type``."""
    return _silence(payload_type)


@cache
def _silence(payload_type: int) -> bytes:
    return encode(np.zeros(160, dtype=np.int16), payload_type)


_LAWS = (PCMU, PCMA)


def _law_offsets(payload_types: Sequence[int], table_size: int) -> NDArray[np.int64]:
    """For each row, where its law's table starts in the table of both laws."""
    for payload_type in payload_types:
        if payload_type not in _LAWS:
            raise ValueError(f"not a G.711 payload type: {payload_type}")
    return np.array([_LAWS.index(law) * table_size for law in payload_types], dtype=np.int64)


@cache
def _both_decode_tables() -> Samples:
    return np.concatenate([_decode_table(law) for law in _LAWS])


@cache
def _both_encode_tables() -> NDArray[np.uint8]:
    return np.concatenate([_encode_table(law) for law in _LAWS])


def decode_rows(frames: NDArray[np.uint8], payload_types: Sequence[int]) -> Samples:
    """G.711 bytes of several calls at once, each row in its own law: ``frames`` is
    (..., calls, bytes), row i in ``payload_types[i]``; the samples in the same shape."""
    offsets = _law_offsets(payload_types, 256)
    decoded: Samples = _both_decode_tables()[frames + offsets[:, None]]
    return decoded


def encode_rows(samples: Samples, payload_types: Sequence[int]) -> NDArray[np.uint8]:
    """16-bit samples of several calls at once, each row in its own law: ``samples`` is
    (..., calls, samples), row i in ``payload_types[i]``; the G.711 bytes in the same
    shape."""
    offsets = _law_offsets(payload_types, 65536)
    indexes = samples.astype(np.int16).view(np.uint16) + offsets[:, None]
    encoded: NDArray[np.uint8] = _both_encode_tables()[indexes]
    return encoded
