"""How typed text is compared with skill names, synonyms and free tags."""

from __future__ import annotations

import unicodedata


def folded(text: str) -> str:
    """Lower case without accents, spaces collapsed: "  Contabilità " is "contabilita"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())
