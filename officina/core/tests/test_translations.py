"""Every app's Italian catalogue is complete, and its compiled .mo says what the .po says.

A missing translation shows English in the middle of an Italian page; a stale .mo shows
an old wording: both are caught here rather than by a user.
"""

from __future__ import annotations

import ast
import gettext
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PACKAGE.glob("*/locale/it/LC_MESSAGES/django.po"))


@dataclass
class PoEntry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one item, or one per plural form
    fuzzy: bool = False


def read_po(path: Path) -> list[PoEntry]:
    """The translated entries of a .po file (the header, with its empty msgid, left out)."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    target = ""  # the field that continuation lines extend

    def append(text: str) -> None:
        if target == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif target == "msgid":
            entry.msgid += text
        elif target == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            entry.msgstr[-1] += text

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry.msgid:
                entries.append(entry)
            entry, target = PoEntry(), ""
        elif line.startswith("#,"):
            entry.fuzzy = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            append(ast.literal_eval(line))
        else:
            keyword, _, literal = line.partition(" ")
            if keyword in {"msgctxt", "msgid"} and entry.msgstr:
                # A new entry may follow the previous one without a blank line.
                if entry.msgid:
                    entries.append(entry)
                entry = PoEntry()
            if keyword.startswith("msgstr"):
                entry.msgstr.append("")
                target = "msgstr"
            else:
                target = keyword
                if keyword == "msgctxt":
                    entry.msgctxt = ""
                elif keyword == "msgid_plural":
                    entry.msgid_plural = ""
            append(ast.literal_eval(literal))
    return entries


def test_every_app_has_an_italian_catalogue() -> None:
    apps_with_templates_or_models = {
        path.parent.name
        for path in PACKAGE.glob("*/models.py")
        if path.parent.name not in {"core", "sip"}
    }
    apps_with_catalogue = {path.parents[3].name for path in CATALOGUES}
    assert apps_with_templates_or_models <= apps_with_catalogue


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parents[3].name)
def test_catalogue_is_complete_and_compiled(po_path: Path) -> None:
    entries = read_po(po_path)
    assert entries, f"{po_path} has no messages"
    untranslated = [e.msgid for e in entries if not all(e.msgstr)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not untranslated, f"untranslated in {po_path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy (unchecked) in {po_path}: {fuzzy[:10]}"

    with po_path.with_suffix(".mo").open("rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)
    stale = []
    for e in entries:
        if e.msgid_plural is None:
            got = (
                compiled.pgettext(e.msgctxt, e.msgid)
                if e.msgctxt is not None
                else compiled.gettext(e.msgid)
            )
        elif e.msgctxt is not None:
            got = compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
        else:
            got = compiled.ngettext(e.msgid, e.msgid_plural, 1)
        if got != e.msgstr[0]:
            stale.append(e.msgid)
    assert not stale, f"{po_path.with_suffix('.mo')} is older than the .po: {stale[:10]}"


def _keys(entries: list[PoEntry]) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in entries}


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parents[3].name)
def test_every_text_marked_in_the_source_is_in_the_catalogue(
    po_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalogue holds every message the app's code and templates mark for translation:
    one added without running makemessages would show English on an Italian page (unless
    another app's catalogue happens to have it). Tests and migrations are not shown to
    anyone and are left out."""
    from django.core.management import call_command

    app = po_path.parents[3]
    copy = tmp_path / app.name
    shutil.copytree(
        app,
        copy,
        ignore=shutil.ignore_patterns("tests", "migrations", "locale", "__pycache__", "static"),
    )
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["it"], verbosity=0)
    extracted = copy / "locale" / "it" / "LC_MESSAGES" / "django.po"
    marked = _keys(read_po(extracted)) if extracted.exists() else set()
    missing = sorted(msgid for _context, msgid in marked - _keys(read_po(po_path)))
    assert not missing, f"run makemessages for {app.name}: not in {po_path}: {missing[:10]}"
