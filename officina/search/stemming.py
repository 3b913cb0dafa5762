"""Words and stems, the same way for what is indexed and what is asked.

Every word is reduced with both the Italian and the English Snowball
stemmer: a member writes "progettazione" and another searches "progetti",
or "developers" and "development", and they meet on the common stem.
Accents are folded after stemming (the stemmers need them), so "città"
and "citta" match too.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORD_LENGTH = 40

_italian = snowballstemmer.stemmer("italian")
_english = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=50_000)
def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """Lower-case words; underscores split words like any other punctuation."""
    return [word[:MAX_WORD_LENGTH] for word in WORD.findall(text.lower().replace("_", " ")) if word]


@functools.lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, ...]:
    """The distinct Italian and English stems of one lower-case word, accents folded."""
    found = dict.fromkeys(
        fold_accents(stem) for stem in (_italian.stemWord(word), _english.stemWord(word))
    )
    return tuple(stem for stem in found if stem)


def terms(text: str) -> str:
    """The text as a space-separated list of stems, as the SQLite index stores it."""
    return " ".join(stem for word in words(text) for stem in stems(word))
