"""Address books as files: CSV (one row per contact) and vCard 3.0, read and written.

Reading gives the rows it could read as ``ContactInput`` with their line in the file,
and the rows it could not read with the reason; checking them is the actions' work.
A problem with the whole file (not text, no header, too big) is an input error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import vobject
from django.utils.translation import gettext as _

from officina.core.errors import OfficinaError

from .actions import ContactInput, RejectedRow, relation_named
from .kinds import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, NUMBER_SEPARATOR, NumberLabel
from .models import Contact

CSV_COLUMNS = (
    "name",
    "organisation",
    "relation",
    "email",
    "work_phone",
    "mobile_phone",
    "home_phone",
    "other_phone",
    "company_on_officina",
    "notes",
)
# Headers people write in Italian spreadsheets, and a few usual English synonyms.
_COLUMN_SYNONYMS = {
    "nome": "name",
    "full name": "name",
    "organizzazione": "organisation",
    "organization": "organisation",
    "company": "organisation",
    "azienda": "organisation",
    "relazione": "relation",
    "e-mail": "email",
    "phone": "work_phone",
    "telefono": "work_phone",
    "cellulare": "mobile_phone",
    "mobile": "mobile_phone",
    "note": "notes",
}
_LABEL_OF_COLUMN = {
    "work_phone": NumberLabel.WORK,
    "mobile_phone": NumberLabel.MOBILE,
    "home_phone": NumberLabel.HOME,
    "other_phone": NumberLabel.OTHER,
}
# vCard TEL types (RFC 2426 §3.3.1, RFC 6350 §6.4.1) to our labels.
_LABEL_OF_TEL_TYPE = {
    "work": NumberLabel.WORK,
    "cell": NumberLabel.MOBILE,
    "home": NumberLabel.HOME,
}
_TEL_TYPE_OF_LABEL: dict[str, str] = {
    NumberLabel.WORK: "WORK",
    NumberLabel.MOBILE: "CELL",
    NumberLabel.HOME: "HOME",
}
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_of(data: bytes) -> str:
    if len(data) > IMPORT_MAX_BYTES:
        raise OfficinaError.invalid_input(
            _("The file is larger than %(size)s MB.") % {"size": IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    if not data.strip():
        raise OfficinaError.invalid_input(_("The file is empty."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OfficinaError.invalid_input(
            _("The file is not UTF-8 text; save it as CSV UTF-8 or vCard and try again."),
            field="file",
        ) from None
    if "\x00" in text:
        raise OfficinaError.invalid_input(_("The file is not a text file."), field="file")
    return text


def _too_many_rows() -> OfficinaError:
    return OfficinaError.invalid_input(
        _("A file may hold at most %(count)s contacts.") % {"count": IMPORT_MAX_ROWS},
        field="file",
    )


def read_csv(
    data: bytes, default_relation: str
) -> tuple[list[tuple[int, ContactInput]], list[RejectedRow]]:
    text = _text_of(data)
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Italian write ';' between cells.
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise OfficinaError.invalid_input(_("The file has no header row."), field="file") from None
    columns = [
        _COLUMN_SYNONYMS.get(name.strip().casefold(), name.strip().casefold()) for name in header
    ]
    if "name" not in columns:
        raise OfficinaError.invalid_input(
            _("The first row must name the columns, “name” among them."), field="file"
        )
    rows: list[tuple[int, ContactInput]] = []
    rejected: list[RejectedRow] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rejected.append(RejectedRow(line, _("Unreadable row: %(error)s") % {"error": error}))
            line = reader.line_num + 1
            continue
        row_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(rejected) >= IMPORT_MAX_ROWS:
            raise _too_many_rows()
        if len(cells) > len(columns):
            rejected.append(
                RejectedRow(
                    row_line,
                    _("%(found)s cells where the header names %(expected)s.")
                    % {"found": len(cells), "expected": len(columns)},
                )
            )
            continue
        values = dict(zip(columns, cells, strict=False))
        rows.append(
            (
                row_line,
                ContactInput(
                    name=values.get("name", ""),
                    relation=values.get("relation", "").strip() or default_relation,
                    organisation=values.get("organisation", ""),
                    linked_company=values.get("company_on_officina", ""),
                    email=values.get("email", ""),
                    notes=values.get("notes", ""),
                    numbers=[
                        (label, number)
                        for column, label in _LABEL_OF_COLUMN.items()
                        for number in values.get(column, "").split(NUMBER_SEPARATOR)
                        if number.strip()
                    ],
                ),
            )
        )
    return rows, rejected


def _vcard_blocks(text: str) -> Iterable[tuple[int, str]]:
    """Each BEGIN:VCARD ... END:VCARD block with the line it begins on."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            block, start = [line], number
        elif block:
            block.append(line)
            if upper == "END:VCARD":
                yield start, "\r\n".join(block) + "\r\n"
                block = []
    if block:
        yield start, "\r\n".join(block)


def _first_value(card: vobject.base.Component, name: str) -> str:
    entries = card.contents.get(name, [])
    if not entries:
        return ""
    value = entries[0].value
    return " ".join(str(part) for part in value) if isinstance(value, list) else str(value)


def _tel_label(entry: vobject.base.ContentLine) -> str:
    types = {kind.casefold() for kind in entry.params.get("TYPE", [])}
    for tel_type, label in _LABEL_OF_TEL_TYPE.items():
        if tel_type in types:
            return label
    return NumberLabel.OTHER


def read_vcard(
    data: bytes, default_relation: str
) -> tuple[list[tuple[int, ContactInput]], list[RejectedRow]]:
    text = _text_of(data)
    rows: list[tuple[int, ContactInput]] = []
    rejected: list[RejectedRow] = []
    for line, block in _vcard_blocks(text):
        if len(rows) + len(rejected) >= IMPORT_MAX_ROWS:
            raise _too_many_rows()
        try:
            card = vobject.readOne(block)
        except Exception:  # vobject raises many kinds for a malformed card
            rejected.append(RejectedRow(line, _("This vCard cannot be read.")))
            continue
        categories: list[str] = []
        for entry in card.contents.get("categories", []):
            categories.extend(str(part) for part in entry.value)
        relation = next(
            (found for found in (relation_named(c) for c in categories) if found), default_relation
        )
        rows.append(
            (
                line,
                ContactInput(
                    name=_first_value(card, "fn"),
                    relation=relation,
                    organisation=_first_value(card, "org"),
                    email=_first_value(card, "email"),
                    notes=_first_value(card, "note"),
                    numbers=[
                        (_tel_label(entry), str(entry.value))
                        for entry in card.contents.get("tel", [])
                    ],
                ),
            )
        )
    if not rows and not rejected:
        raise OfficinaError.invalid_input(_("The file holds no vCard."), field="file")
    return rows, rejected


def _safe_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(contacts: Iterable[Contact]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for contact in contacts:
        by_label: dict[str, list[str]] = {}
        for number in contact.numbers.all():
            by_label.setdefault(number.label, []).append(number.number)
        writer.writerow(
            [
                _safe_cell(contact.name),
                _safe_cell(contact.organisation),
                contact.relation,
                _safe_cell(contact.email),
                # Numbers keep their "+": our import reads them back as they are.
                *(
                    NUMBER_SEPARATOR.join(by_label.get(label, []))
                    for label in _LABEL_OF_COLUMN.values()
                ),
                contact.linked_company.slug if contact.linked_company else "",
                _safe_cell(contact.notes),
            ]
        )
    return out.getvalue()


def write_vcard(contacts: Iterable[Contact]) -> str:
    cards: list[str] = []
    for contact in contacts:
        card = vobject.vCard()
        card.add("fn").value = contact.name
        card.add("n").value = vobject.vcard.Name(given=contact.name)
        if contact.organisation_name:
            card.add("org").value = [contact.organisation_name]
        card.add("categories").value = [contact.relation]
        if contact.email:
            card.add("email").value = contact.email
        for number in contact.numbers.all():
            tel = card.add("tel")
            tel.value = number.number
            tel.type_param = _TEL_TYPE_OF_LABEL.get(number.label, "VOICE")
        if contact.notes:
            card.add("note").value = contact.notes
        cards.append(card.serialize())
    return "".join(cards)
