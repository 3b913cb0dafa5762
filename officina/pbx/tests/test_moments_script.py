"""The browser phone writes a live call's moment as the server writes the reloaded list:
the script's formatter, run in Chromium, agrees with officina.core.moments in both
languages, on several clocks, at the hours English words differently."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.formats import get_format

from officina.core.moments import CLOCK_FORMAT, MOMENT_FORMAT, shown_clock, shown_moment

SCRIPT = Path(__file__).resolve().parents[2] / "web" / "static" / "web" / "moments.js"
MOMENTS = [
    datetime(2026, 3, 12, 21, 5, tzinfo=UTC),  # the next morning in Tokyo
    datetime(2026, 7, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 12, 24, 11, 0, tzinfo=UTC),  # noon in Rome
    datetime(2026, 12, 24, 23, 0, tzinfo=UTC),  # midnight in Rome
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the night Rome's clocks go back
]
ZONES = ["Europe/Rome", "Asia/Tokyo", "America/New_York"]


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize(
    ("format_name", "server_writes"),
    [(MOMENT_FORMAT, shown_moment), (CLOCK_FORMAT, shown_clock)],
    ids=["date-and-time", "time-of-day"],
)
def test_the_script_writes_moments_as_the_server_does(
    browser: Any, language: str, format_name: str, server_writes: Callable[..., str]
) -> None:
    page = browser.new_page()
    try:
        source = SCRIPT.read_text().replace("export function", "function")
        page.add_script_tag(content=f"{source}\nwindow.shownMoment = shownMoment;")
        with translation.override(language):
            form = str(get_format(format_name))
            for zone in ZONES:
                for moment in MOMENTS:
                    written = page.evaluate(
                        "([at, form, zone]) => window.shownMoment(new Date(at), form, zone)",
                        [moment.isoformat(), form, zone],
                    )
                    assert written == server_writes(moment, ZoneInfo(zone)), (zone, moment)
    finally:
        page.close()
