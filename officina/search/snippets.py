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

# Words as the index splits them (``stemming.WORD``); what lies between is escaped as is.
WORD = re.compile(r"\w+", re.UNICODE)
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


class Highlighter:
    """Highlights texts for one query; each distinct word is tested once for all of them
    (a page of 40 hits highlights 80 texts, and names and common words recur)."""

    def __init__(self, words: list[str]) -> None:
        self.wanted, self.prefix = query_stems(words)
        self._tested: dict[str, bool] = {}

    def _matches(self, word: str) -> bool:
        word = word.lower()
        found = self._tested.get(word)
        if found is None:
            found = self._tested[word] = _is_match(word, self.wanted, self.prefix)
        return found

    def __call__(self, text: str, *, max_words: int | None = None) -> SafeString:
        """Escape ``text``, mark the words that match, and cut it around the first match.

        Words are found by one regex pass, only those of the shown window are tested, and
        the text between two marks is escaped in one piece.
        """
        spans = [match.span() for match in WORD.finditer(text)]
        begin, finish = 0, len(spans)
        start, end = 0, len(text)
        if max_words is not None and len(spans) > max_words:
            first = next(
                (index for index, (a, b) in enumerate(spans) if self._matches(text[a:b])), 0
            )
            begin = max(0, first - max_words // 3)
            finish = min(len(spans), begin + max_words)
            begin = max(0, finish - max_words)
            start, end = spans[begin][0], spans[finish - 1][1]
        parts = ["… " if start > 0 else ""]
        position = start
        for first, last in spans[begin:finish]:
            if self._matches(text[first:last]):
                parts.append(html.escape(text[position:first]))
                parts.append(f"<mark>{html.escape(text[first:last])}</mark>")
                position = last
        parts.append(html.escape(text[position:end]))
        if end < len(text):
            parts.append(" …")
        return mark_safe("".join(parts).strip())  # noqa: S308 - every piece above is escaped


def highlight(text: str, words: list[str], *, max_words: int | None = None) -> SafeString:
    """``text`` escaped, with the words matching ``words`` marked (see :class:`Highlighter`)."""
    return Highlighter(words)(text, max_words=max_words)
