"""A company's calls as CSV (RFC 4180, Python's csv module), for a spreadsheet.

Times are written in the reader's time zone (the active one: the member's choice, else
the community's), with their UTC offset so no reader has to guess. A cell a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) is written with a leading apostrophe: numbers and names come from callers
outside (a caller ID is whatever the provider sends), so they are not trusted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from officina.pbx.company_calls import CompanyLines
    from officina.pbx.models import CallRecord

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula it runs."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _holder(extension: object) -> str:
    member = getattr(extension, "member", None)
    return member.display_name if member is not None else ""


def write_calls_csv(calls: Iterable[CallRecord], lines: CompanyLines) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("started"),
            _("direction"),
            _("from"),
            _("caller"),
            _("to"),
            _("callee"),
            _("outcome"),
            _("talk time (seconds)"),
            _("reason"),
            _("transferred by"),
            _("transferred to"),
            # Last, so that sheets reading the columns before it by place still work.
            _("voicemail"),
        ]
    )
    zone = timezone.get_current_timezone()
    directions = {"in": _("in"), "out": _("out"), "internal": _("internal")}
    for call in calls:
        duration = call.duration
        writer.writerow(
            [
                timezone.localtime(call.started_at, zone).isoformat(sep=" ", timespec="seconds"),
                directions[lines.direction_of(call)],
                neutralised(call.caller_number),
                neutralised(_holder(call.caller)),
                neutralised(call.callee_number),
                neutralised(_holder(call.callee)),
                call.get_outcome_display(),
                "" if duration is None else str(round(duration.total_seconds())),
                call.get_reason_display() if call.reason else "",
                neutralised(call.transferred_by),
                neutralised(call.transferred_to),
                _("yes") if call.voicemail else "",
            ]
        )
    return out.getvalue()


__all__ = ["neutralised", "write_calls_csv"]
