"""The Replaces header (RFC 3891 §6.1): which dialog a new INVITE takes over.

    Replaces        = "Replaces" HCOLON callid *(SEMI replaces-param)
    replaces-param  = to-tag / from-tag / early-flag / generic-param
    to-tag          = "to-tag" EQUAL token
    from-tag        = "from-tag" EQUAL token
    early-flag      = "early-only"

An attended transfer carries it twice: escaped inside the Refer-To URI's headers
(``?Replaces=call%40host%3Bto-tag%3Da%3Bfrom-tag%3Db``, which the URI parser
unescapes), then as a header of the transferee's INVITE. Both read the same here.
"""

from __future__ import annotations

from dataclasses import dataclass

from officina.sip.errors import SipParseError

# RFC 3261 §25.1: word, the characters a Call-ID may hold.
_WORD_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~()<>:\\\"/[]?{}@"
)
MAX_REPLACES_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class Replaces:
    """The dialog named by a Replaces header, from the side of its sender's peer:
    ``to_tag`` is the tag of the UA that receives the INVITE (RFC 3891 §3)."""

    call_id: str
    to_tag: str
    from_tag: str
    early_only: bool = False

    def header_value(self) -> str:
        """The value as a Replaces header carries it (and, escaped, a Refer-To URI)."""
        early = ";early-only" if self.early_only else ""
        return f"{self.call_id};to-tag={self.to_tag};from-tag={self.from_tag}{early}"


def parse_replaces(text: str) -> Replaces:
    """Read a Replaces value; a missing tag or a Call-ID that is no word is the sender's
    error (400)."""
    if len(text) > MAX_REPLACES_LENGTH:
        raise SipParseError("Replaces is too long", 400)
    call_id, *parameters = (part.strip(" \t") for part in text.split(";"))
    if not call_id or not set(call_id) <= _WORD_CHARACTERS:
        raise SipParseError("Replaces has no valid Call-ID", 400)
    tags: dict[str, str] = {}
    early_only = False
    for parameter in parameters:
        name, equals, value = parameter.partition("=")
        name = name.strip(" \t").lower()
        if name == "early-only" and not equals:
            early_only = True
        elif name in ("to-tag", "from-tag"):
            value = value.strip(" \t")
            if not value or not set(value) <= _WORD_CHARACTERS:
                raise SipParseError(f"Replaces has an invalid {name}", 400)
            tags[name] = value
    if "to-tag" not in tags or "from-tag" not in tags:
        raise SipParseError("Replaces needs a to-tag and a from-tag", 400)
    return Replaces(call_id, tags["to-tag"], tags["from-tag"], early_only)


__all__ = ["Replaces", "parse_replaces"]
