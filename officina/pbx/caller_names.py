"""The name a desk phone shows for an incoming call: who is calling, as the callee's
company's address book knows them ("Sara Bianchi (Panificio Bianchi, supplier)").

The address books are read in one go into memory (``contacts.selectors.caller_book``)
at start-up and every few seconds after, in a worker thread, so that naming a
caller costs no query on the SIP path; a contact added in the web page names
calls within ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation

from officina.accounts.kinds import RelationKind
from officina.contacts.caller_book import CallerBook
from officina.contacts.selectors import caller_book

if TYPE_CHECKING:
    from officina.pbx.selectors import DirectoryEntry

logger = logging.getLogger("officina.pbx.caller_names")

REFRESH_SECONDS = 5.0
# Desk phones show a line of 20-40 characters; a longer name only costs bytes.
MAX_DISPLAY_NAME = 80


def _printable(text: str) -> str:
    # The name goes into a SIP header: no line break or other control character.
    return "".join(
        character for character in text if ord(character) >= 32 and ord(character) != 127
    )


class CallerNames:
    def __init__(self) -> None:
        self.book = CallerBook()

    def load(self) -> None:
        """Read the address books (synchronous: call from a worker thread)."""
        self.book = caller_book()

    async def run_refresh(self, every: float = REFRESH_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            try:
                self.book = await loop.run_in_executor(None, caller_book)
            except Exception:
                logger.exception("could not read the address books; keeping the last copy")

    def display_name(self, caller: DirectoryEntry, callee: DirectoryEntry) -> str | None:
        """What ``callee``'s phones should show for a call from ``caller``, or None to leave
        the caller's own From as it is."""
        identity = self.book.identify(
            callee.member_id, caller.member_id, caller.display_name, caller.number
        )
        if identity is None:
            return None
        with translation.override(callee.language or settings.LANGUAGE_CODE):
            relation = str(RelationKind(identity.relation).label)
        details = f"{identity.organisation}, {relation}" if identity.organisation else relation
        return _printable(f"{identity.name} ({details})")[:MAX_DISPLAY_NAME]
