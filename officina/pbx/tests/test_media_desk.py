"""The desk's bound on PIN guessing from one extension."""

from __future__ import annotations

from officina.pbx.media.desk import PIN_GUESSES_PER_HOUR, PinGuesses


def test_an_extension_gets_ten_wrong_pins_an_hour():
    now = [1000.0]
    guesses = PinGuesses(lambda: now[0])
    for _ in range(PIN_GUESSES_PER_HOUR):
        assert guesses.allowed("201")
        guesses.wrong("201")
    assert not guesses.allowed("201")
    assert guesses.allowed("202")  # others are not held back
    now[0] += 3601
    assert guesses.allowed("201")
