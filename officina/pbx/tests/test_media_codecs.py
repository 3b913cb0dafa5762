"""G.711 over numpy tables agrees with the core's reference codec; the in-band DTMF
detector hears every key and nothing else; the recording keeps the speech."""

from __future__ import annotations

import numpy as np
import pytest

from officina.pbx.media.g711 import decode, decode_rows, encode, encode_rows, silence
from officina.pbx.media.tones import KEYS, InBandDtmf, beep, dtmf_tone, frame_digit
from officina.pbx.media.voicemail_call import Recording
from officina.sip.rtp import PCMA, PCMU, alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

RNG = np.random.default_rng(7)


@pytest.mark.parametrize(
    ("payload_type", "reference_encode", "reference_decode"),
    [(PCMU, ulaw_encode, ulaw_decode), (PCMA, alaw_encode, alaw_decode)],
)
def test_tables_match_the_core(payload_type, reference_encode, reference_decode):
    samples = np.concatenate([RNG.integers(-32768, 32768, 4000), [-32768, -1, 0, 1, 32767]]).astype(
        np.int16
    )
    pcm = samples.astype("<i2").tobytes()
    assert encode(samples, payload_type) == reference_encode(pcm)
    every_byte = bytes(range(256))
    assert decode(every_byte, payload_type).astype("<i2").tobytes() == reference_decode(every_byte)
    # A round trip keeps a voice-level signal within G.711's quantisation.
    t = np.arange(800) / 8000
    tone = (np.sin(2 * np.pi * 300 * t) * 8000).astype(np.int16)
    error = decode(encode(tone, payload_type), payload_type).astype(int) - tone
    assert np.abs(error).max() < 300


def test_other_payload_types_are_refused():
    with pytest.raises(ValueError):
        decode(b"\x00", 18)
    with pytest.raises(ValueError):
        encode(np.zeros(1, dtype=np.int16), 101)
    with pytest.raises(ValueError):
        decode_rows(np.zeros((2, 160), dtype=np.uint8), [PCMU, 18])
    with pytest.raises(ValueError):
        encode_rows(np.zeros((2, 160), dtype=np.int16), [101, PCMA])


def test_rows_in_their_own_laws_are_each_as_one_call_alone():
    """A room's frames, (frames, callers, 160), each caller in their own law, in one
    lookup: the same bytes and samples as each frame on its own."""
    laws = [PCMU, PCMA, PCMA, PCMU]
    samples = RNG.integers(-32768, 32768, (3, len(laws), 160)).astype(np.int16)
    encoded = encode_rows(samples, laws)
    assert encoded.shape == samples.shape
    decoded = decode_rows(encoded, laws)
    assert decoded.dtype == np.int16
    for frame in range(3):
        for row, law in enumerate(laws):
            alone = encode(samples[frame, row], law)
            assert encoded[frame, row].tobytes() == alone
            assert (decoded[frame, row] == decode(alone, law)).all()
    assert (decode(silence(PCMU), PCMU) == 0).all()
    assert (decode(silence(PCMA), PCMA) == 8).all()  # A-law's smallest step, nearest to 0


@pytest.mark.parametrize("key", list("".join(KEYS)))
def test_every_key_is_heard_in_one_frame_even_after_g711(key):
    tone = dtmf_tone(key, seconds=0.02)
    assert frame_digit(tone) == key
    assert frame_digit(decode(encode(tone, PCMU), PCMU)) == key


def test_speech_like_sound_and_single_tones_are_not_keys():
    t = np.arange(160) / 8000
    assert frame_digit((np.sin(2 * np.pi * 697 * t) * 8000).astype(np.int16)) is None
    assert frame_digit(beep()[:160]) is None
    noise = RNG.normal(0, 3000, 160).astype(np.int16)
    assert frame_digit(noise) is None
    assert frame_digit(np.zeros(160, dtype=np.int16)) is None
    # Two keys at once are no key.
    both = dtmf_tone("1", 0.02) // 2 + dtmf_tone("9", 0.02) // 2
    assert frame_digit(both) is None


def test_a_held_key_is_one_press_and_a_short_blip_none():
    detector = InBandDtmf()
    frames = [dtmf_tone("5", 0.02)] * 5 + [np.zeros(160, dtype=np.int16)] * 2
    frames += [dtmf_tone("#", 0.02)] * 3 + [dtmf_tone("7", 0.02)] + [np.zeros(160, dtype=np.int16)]
    heard = [detector.feed(frame) for frame in frames]
    assert [digit for digit in heard if digit] == ["5", "#"]


def test_the_recording_keeps_the_speech_and_a_margin():
    recording = Recording()
    quiet = np.zeros(160, dtype=np.int16)
    loud = (RNG.normal(0, 4000, 160)).astype(np.int16)
    for frame in [quiet] * 100 + [loud] * 50 + [quiet] * 100:
        recording.add(frame)
    message = recording.message()
    assert message is not None
    assert len(message) / 8000 == pytest.approx(1.0 + 0.5, abs=0.021)  # whole frames
    assert recording.seconds_since_speech() == pytest.approx(2.0)
    nothing = Recording()
    for frame in [quiet] * 100 + [loud] * 2 + [quiet] * 10:
        nothing.add(frame)
    assert nothing.message() is None  # a click is not a message
