"""The browser phone dials what a desk phone dials: the script's reading of a typed or
pasted number (``frontend/dialling.js``), run in Chromium, keeps extensions, star codes
and numbers with a leading +, drops the separators of a contact's number, and sends
what the PBX reads (``officina.trunks.dialling.read_dialled``) as the same number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from officina.trunks.dialling import read_dialled

SCRIPT = Path(__file__).resolve().parents[1] / "frontend" / "dialling.js"
# What a member types or pastes → what the browser dials.
DIALLED = {
    "202": "202",
    "*8": "*8",
    "*97": "*97",
    "**202": "**202",
    "** 202": "**202",
    "+39 02 1234 5678": "+390212345678",
    "+39 (02) 1234-5678": "+390212345678",
    "+39.02.1234.5678": "+390212345678",
    "+39\u00a002\t1234 5678": "+390212345678",  # a non-breaking space and a tab
    "+39 333 123 4567": "+393331234567",
    "+44 20 7946 0958": "+442079460958",
    "0039 02 1234 5678": "00390212345678",
    "02/1234 5678": "0212345678",
}
# The numbers outside among them → the E.164 number an Italian trunk's provider gets.
MILAN = "+390212345678"
E164 = {
    "+39 02 1234 5678": MILAN,
    "+39 (02) 1234-5678": MILAN,
    "+39.02.1234.5678": MILAN,
    "+39\u00a002\t1234 5678": MILAN,
    "+39 333 123 4567": "+393331234567",
    "+44 20 7946 0958": "+442079460958",
    "0039 02 1234 5678": MILAN,
    "02/1234 5678": MILAN,
}
# Still no number: the page says what is accepted.
REFUSED = ["", "+", "20a", "+39 02 +1234", "***8", "*+39", "#8", "202#", "sip:202", "1" * 17]


def _dialable(browser: Any, typed: list[str]) -> list[str | None]:
    page = browser.new_page()
    try:
        source = SCRIPT.read_text().replace("export function", "function")
        page.add_script_tag(content=f"{source}\nwindow.dialable = dialable;")
        return list(page.evaluate("(typed) => typed.map(window.dialable)", typed))
    finally:
        page.close()


def test_the_script_dials_numbers_as_contacts_write_them_and_refuses_the_rest(
    browser: Any,
) -> None:
    typed = [*DIALLED, *REFUSED]
    dialled = _dialable(browser, typed)
    assert dict(zip(typed, dialled, strict=True)) == {**DIALLED, **dict.fromkeys(REFUSED)}


def test_the_pbx_reads_what_the_script_dials_as_the_number_typed(browser: Any) -> None:
    """What the browser sends for a number outside is, read in an Italian trunk's
    country, the number the member typed, in the E.164 the provider gets."""
    typed = list(E164)
    dialled = _dialable(browser, typed)
    read = {}
    for written, number in zip(typed, dialled, strict=True):
        found = read_dialled(number, "IT") if number is not None else None
        read[written] = found.e164 if found is not None else None
    assert read == E164
