"""Result snippets with the matching words highlighted, the same on every database.

Matching is decided by stems, as in the index, so "progetti" highlights
"progettazione" in the text. The text is escaped first; only our <mark>
tags are added, so a result can never inject markup into the page.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from officina.search.stemming import MAX_WORD_LENGTH, fold_accents, stems

TOKEN = re.compile(r"\w+|\W+", re.UNICODE)
SNIPPET_WORDS = 30


def query_stems(words: list[str]) -> tuple[set[str], str]:
    """All stems of the searched words, and the last word (matched as a prefix too)."""
    found = {stem for word in words for stem in stems(word)}
    return found, fold_accents(words[-1]) if words else ""


def _is_match(token: str, wanted: set[str], prefix: str) -> bool:
    word = token.lower()[:MAX_WORD_LENGTH]
    if any(stem in wanted for stem in stems(word)):
        return True
    return len(prefix) >= 2 and fold_accents(word).startswith(prefix)


def highlight(text: str, words: list[str], *, max_words: int | None = None) -> SafeString:
    """Escape ``text``, mark the words that match, and cut it around the first match."""
    wanted, prefix = query_stems(words)
    tokens = TOKEN.findall(text)
    word_positions = [
        index for index, token in enumerate(tokens) if token[0].isalnum() or token[0] == "_"
    ]
    matches = {index for index in word_positions if _is_match(tokens[index], wanted, prefix)}
    start, end = 0, len(tokens)
    if max_words is not None and len(word_positions) > max_words:
        first = min(matches) if matches else word_positions[0]
        position = word_positions.index(first)
        begin = max(0, position - max_words // 3)
        finish = min(len(word_positions), begin + max_words)
        begin = max(0, finish - max_words)
        start = word_positions[begin]
        end = word_positions[finish - 1] + 1
    parts = ["… " if start > 0 else ""]
    for index in range(start, end):
        token = escape(tokens[index])
        parts.append(f"<mark>{token}</mark>" if index in matches else token)
    if end < len(tokens):
        parts.append(" …")
    return mark_safe("".join(parts).strip())  # noqa: S308 - every token above is escaped
