"""Every app's Italian catalogue is complete, and its compiled .mo says what the .po says.

A missing translation shows English in the middle of an Italian page; a stale .mo shows
an old wording: both are caught here rather than by a user.
"""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PACKAGE.glob("*/locale/it/LC_MESSAGES/django.po"))


def read_po(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (str or list), flags."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    field: str | None = None
    index: int | None = None

    def finish() -> None:
        if "msgid" in entry:
            entries.append(dict(entry))
        entry.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            field = None
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", line[2:].replace(" ", "").split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if index is None:
                entry[field] = str(entry[field]) + value  # type: ignore[index]
            else:
                entry[field][index] += value  # type: ignore[index]
            continue
        keyword, _, literal = line.partition(" ")
        value = ast.literal_eval(literal)
        if keyword.startswith("msgstr["):
            if "msgid" in entry and "msgstr" in entry and not isinstance(entry["msgstr"], list):
                finish()
            field, index = "msgstr", int(keyword[7:-1])
            entry.setdefault("msgstr", [])
            entry["msgstr"].append(value)  # type: ignore[union-attr]
        else:
            if keyword in entry and keyword != "msgstr":
                finish()
            field, index = keyword, None
            entry[keyword] = value
    finish()
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


def test_every_app_has_an_italian_catalogue():
    apps_with_templates_or_models = {
        path.parent.name
        for path in PACKAGE.glob("*/models.py")
        if path.parent.name not in {"core", "sip"}
    }
    apps_with_catalogue = {path.parents[3].name for path in CATALOGUES}
    assert apps_with_templates_or_models <= apps_with_catalogue


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parents[3].name)
def test_catalogue_is_complete_and_compiled(po_path: Path):
    entries = read_po(po_path)
    assert entries, f"{po_path} has no messages"
    untranslated = [
        e["msgid"]
        for e in entries
        if not (all(e["msgstr"]) if isinstance(e["msgstr"], list) else e["msgstr"])
    ]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", [])]  # type: ignore[operator]
    assert not untranslated, f"untranslated in {po_path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy (unchecked) in {po_path}: {fuzzy[:10]}"

    with po_path.with_suffix(".mo").open("rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)
    stale = []
    for e in entries:
        msgid = str(e["msgid"])
        context = e.get("msgctxt")
        if isinstance(e["msgstr"], list):
            got = (
                compiled.npgettext(context, msgid, str(e["msgid_plural"]), 1)
                if context
                else (compiled.ngettext(msgid, str(e["msgid_plural"]), 1))
            )
            expected = e["msgstr"][0]
        else:
            got = compiled.pgettext(str(context), msgid) if context else compiled.gettext(msgid)
            expected = e["msgstr"]
        if got != expected:
            stale.append(msgid)
    assert not stale, f"{po_path.with_suffix('.mo')} is older than the .po: {stale[:10]}"
