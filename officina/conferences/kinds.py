"""Conference rooms' bounds and keys, importable without their models."""

from __future__ import annotations

NAME_MAX_LENGTH = 80
PIN_DIGITS = (4, 8)
PIN_TRIES = 3  # wrong PINs before the PBX says so and hangs up
MUTE_KEY = "*"  # a caller in the room mutes and unmutes themselves with it
