"""Result snippets with the matching words highlighted, the same on every database.

Matching is decided by stems, as in the index, so "progetti" highlights
"progettazione" in the text. The text is escaped first; only our <mark>
tags are added, so a result can never inject markup into the page.
"""

from __future__ import annotations

import html
import re

from django.utils.safestring import SafeString, mark_safe

from officina.search.stemming import MAX_WORD_LENGTH, fold_accents, stems

TOKEN = re.compile(r"\w+|\W+", re.UNICODE)
SNIPPET_WORDS = 30


def query_stems(words: list[str]) -> tuple[set[str], str]:
    """All stems of the searched words, and the last word (matched as a prefix too)."""
    found = {stem for word in words for stem in stems(word)}
    return found, fold_accents(words[-1]) if words else ""


def _is_match(word: str, wanted: set[str], prefix: str) -> bool:
    word = word[:MAX_WORD_LENGTH]
    if any(stem in wanted for stem in stems(word)):
        return True
    return len(prefix) >= 2 and fold_accents(word).startswith(prefix)


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_"


def highlight(text: str, words: list[str], *, max_words: int | None = None) -> SafeString:
    """Escape ``text``, mark the words that match, and cut it around the first match.

    Runs for every result on every search page: only the words of the shown window
    are tested and escaped, and each distinct word is tested once.
    """
    wanted, prefix = query_stems(words)
    tokens = TOKEN.findall(text)
    tested: dict[str, bool] = {}

    def matches(token: str) -> bool:
        word = token.lower()
        found = tested.get(word)
        if found is None:
            found = tested[word] = _is_match(word, wanted, prefix)
        return found

    start, end = 0, len(tokens)
    if max_words is not None:
        word_positions = [index for index, token in enumerate(tokens) if _is_word(token)]
        if len(word_positions) > max_words:
            first = next(
                (
                    position
                    for position, index in enumerate(word_positions)
                    if matches(tokens[index])
                ),
                0,
            )
            begin = max(0, first - max_words // 3)
            finish = min(len(word_positions), begin + max_words)
            begin = max(0, finish - max_words)
            start = word_positions[begin]
            end = word_positions[finish - 1] + 1
    parts = ["… " if start > 0 else ""]
    for token in tokens[start:end]:
        escaped = html.escape(token)
        parts.append(f"<mark>{escaped}</mark>" if _is_word(token) and matches(token) else escaped)
    if end < len(tokens):
        parts.append(" …")
    return mark_safe("".join(parts).strip())  # noqa: S308 - every token above is escaped
