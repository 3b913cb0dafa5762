"""The conference mix: each caller hears the sum of the others, never themselves; a
muted caller is heard by nobody but still hears everyone; loud sums are clipped, not
wrapped round."""

from __future__ import annotations

import numpy as np

from officina.pbx.media.conference import mix


def frames(*levels: int) -> np.ndarray:
    return np.stack([np.full(160, level, dtype=np.int16) for level in levels])


def test_each_hears_the_others_and_not_themselves():
    heard = mix(frames(100, 20, 3), np.array([1, 1, 1]))
    assert heard[:, 0].tolist() == [23, 103, 120]
    assert heard.dtype == np.int16


def test_a_muted_caller_is_left_out_of_the_sum_but_hears_everyone():
    heard = mix(frames(100, 20, 3), np.array([1, 0, 1]))
    assert heard[:, 0].tolist() == [3, 103, 100]


def test_a_tone_is_heard_by_all_and_loud_sums_are_clipped():
    overlay = np.full(160, 5, dtype=np.int32)
    heard = mix(frames(30000, 30000, -30000), np.array([1, 1, 1]), overlay)
    assert heard[:, 0].tolist() == [5, 5, 32767]
    heard = mix(frames(-30000, -30000, 0), np.array([1, 1, 1]))
    assert heard[:, 0].tolist() == [-30000, -30000, -32768]


def test_several_frames_at_once_are_each_mixed_as_alone():
    """A late tick mixes the frames due together: (frames, callers, 160), a tone's part
    for each frame; the same as mixing each frame on its own."""
    rng = np.random.default_rng(3)
    stack = rng.integers(-20000, 20000, (5, 4, 160)).astype(np.int16)
    speaking = np.array([1, 0, 1, 1])
    overlay = rng.integers(-6000, 6000, (5, 160)).astype(np.int32)
    heard = mix(stack, speaking, overlay)
    assert heard.shape == stack.shape
    for frame in range(5):
        assert (heard[frame] == mix(stack[frame], speaking, overlay[frame])).all()
