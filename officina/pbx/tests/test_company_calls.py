"""A company's call history: its owners read every call of its people and numbers, on
its page and as CSV; nobody else learns whether the company even exists."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from officina.pbx.actions import CallRow, do_provision_extension, do_write_call_records
from officina.pbx.models import CallRecord, Extension
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk

pytestmark = pytest.mark.django_db

JSON = "application/json"
DAY = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)  # 23:30 in Rome, 10 March


def call(
    caller: Extension | None,
    caller_number: str,
    callee: Extension | None,
    callee_number: str,
    started: datetime,
    outcome: str = "answered",
    direction: str = "internal",
    reason: str = "",
) -> CallRow:
    answered = started + timedelta(seconds=5) if outcome == "answered" else None
    return CallRow(
        call_id=f"{caller_number}-{callee_number}-{started.timestamp()}",
        caller_id=caller.pk if caller else None,
        caller_number=caller_number,
        callee_id=callee.pk if callee else None,
        callee_number=callee_number,
        devices_rung=[],
        answered_by="",
        started_at=started,
        answered_at=answered,
        ended_at=answered + timedelta(seconds=65) if answered else started,
        outcome=outcome,
        final_status=200 if outcome == "answered" else 480,
        direction=direction,
        reason=reason,
    )


@pytest.fixture
def calls(studio_rossi, giulia, marco, sara, outsider):
    giulia_x, marco_x, sara_x, ugo_x = (
        do_provision_extension(member) for member in (giulia, marco, sara, outsider)
    )
    trunk = check_save_trunk(
        studio_rossi,
        TrunkInput(name="Provider", host="sip.provider.example", username="s", password="pw"),
    )
    check_save_number(
        studio_rossi,
        NumberInput(number="+39 02 1234 5678", trunk_id=trunk.pk, route_kind="extension",
                    route_target=giulia_x.number),
    )  # fmt: skip
    do_write_call_records(
        [
            call(giulia_x, giulia_x.number, marco_x, marco_x.number, DAY),  # internal
            call(marco_x, marco_x.number, sara_x, sara_x.number, DAY - timedelta(days=1)),  # out
            # in from a trunk, missed; the caller ID is a formula
            call(
                None,
                '=HYPERLINK("http://evil")',
                giulia_x,
                "+390212345678",
                DAY - timedelta(days=2),
                outcome="no-answer",
            ),
            call(
                marco_x,
                marco_x.number,
                None,
                "+88160000000",
                DAY - timedelta(days=3),
                outcome="refused",
                direction="out",
                reason="satellite",
            ),
            call(sara_x, sara_x.number, ugo_x, ugo_x.number, DAY),  # not Studio Rossi's
        ],
        [],
    )
    return CallRecord.objects.all()


def test_owners_read_the_company_calls_others_find_nothing(
    client_for, calls, studio_rossi, giulia, marco, luca, sara, admin
):
    url = f"/companies/{studio_rossi.slug}/calls/"
    page = client_for(giulia).get(url)
    assert page.status_code == 200
    assert len(page.context["rows"]) == 4, "every call of its people and number, no other"
    assert client_for(admin).get(url).status_code == 200
    for stranger in (marco, luca, sara):  # a person, the space's manager, another owner
        browser = client_for(stranger)
        for path in ("calls/", "calls.csv"):
            missing = browser.get(f"/companies/no-such-company/{path}", HTTP_ACCEPT=JSON)
            answer = browser.get(f"/companies/{studio_rossi.slug}/{path}", HTTP_ACCEPT=JSON)
            assert answer.status_code == missing.status_code == 404
            assert answer.json() == missing.json(), "forbidden looks like missing"
    # The link to the company's calls (not the click-to-call form's /phone/calls/).
    link = f'href="{url}"'
    assert link in client_for(giulia).get(f"/companies/{studio_rossi.slug}/").content.decode()
    assert link not in client_for(marco).get(f"/companies/{studio_rossi.slug}/").content.decode()


def test_filters_by_day_person_and_direction(client_for, calls, studio_rossi, giulia, marco):
    browser = client_for(giulia)
    url = f"/companies/{studio_rossi.slug}/calls/"

    def numbers(**query: str) -> list[tuple[str, str, str]]:
        rows = browser.get(url, query).context["rows"]
        return [(call.caller_number, call.callee_number, direction) for call, direction in rows]

    giulia_x = giulia.extension.number
    marco_x = marco.extension.number
    assert numbers(direction="internal") == [(giulia_x, marco_x, "internal")]
    assert [row[2] for row in numbers(direction="out")] == ["out", "out"]
    assert numbers(direction="in") == [('=HYPERLINK("http://evil")', "+390212345678", "in")]
    assert len(numbers(person=str(giulia.pk))) == 2
    # Days are the reader's: 22:30 UTC on 10 March is 23:30 in Rome, still the 10th.
    assert len(numbers(since="2026-03-10", until="2026-03-10")) == 1
    assert len(numbers(since="2026-03-08")) == 3
    page = browser.get(url, {"since": "2026-03-10", "until": "2026-03-01", "person": "99999"})
    assert page.status_code == 200
    assert page.context["rows"] == []
    text = page.content.decode()
    assert "The last day comes before the first." in text
    assert "Select a valid choice" in text
    assert browser.get(url, {"since": "yesterday"}).context["rows"] == []
    answer = browser.get(f"/companies/{studio_rossi.slug}/calls.csv", {"since": "nope"})
    assert answer.status_code == 400


def test_many_calls_are_paged(client_for, studio_rossi, giulia, marco):
    giulia_x, marco_x = do_provision_extension(giulia), do_provision_extension(marco)
    do_write_call_records(
        [call(giulia_x, "201", marco_x, "202", DAY - timedelta(minutes=n)) for n in range(60)], []
    )
    browser = client_for(giulia)
    url = f"/companies/{studio_rossi.slug}/calls/"
    first = browser.get(url, {"direction": "internal"})
    assert len(first.context["rows"]) == 50
    assert "direction=internal&amp;page=2" in first.content.decode()
    second = browser.get(url, {"direction": "internal", "page": "2"})
    assert len(second.context["rows"]) == 10
    assert browser.get(url, {"page": "abc"}).status_code == 200


def test_the_csv_is_in_the_readers_zone_and_safe_in_a_spreadsheet(
    client_for, calls, studio_rossi, giulia
):
    giulia.time_zone = "America/New_York"
    giulia.language = "en"
    giulia.save()
    answer = client_for(giulia).get(f"/companies/{studio_rossi.slug}/calls.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="studio-rossi-calls.csv"' in answer["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0][:3] == ["started", "direction", "from"]
    assert len(rows) == 5
    internal = rows[1]
    assert internal[0] == "2026-03-10 18:30:00-04:00", "New York's clock, DST started"
    assert internal[1] == "internal" and internal[7] == "65"
    missed = next(row for row in rows if row[1] == "in")
    assert missed[2] == '\'=HYPERLINK("http://evil")', "a formula is shown, never run"
    assert missed[4] == "'+390212345678"
    refused = next(row for row in rows if row[6] == "refused")
    assert refused[8] == "satellite numbers are not allowed for you"
    # The quote in the caller ID is escaped by the CSV writer, not lost.
    assert '"\'=HYPERLINK(""http://evil"")"' in answer.content.decode()


def test_a_call_the_voicemail_took_says_so_on_the_page_and_in_the_csv(
    client_for, studio_rossi, giulia, marco
):
    giulia_x, marco_x = do_provision_extension(giulia), do_provision_extension(marco)
    taken = call(marco_x, "202", giulia_x, "201", DAY, outcome="no-answer")
    left = call(giulia_x, "201", marco_x, "202", DAY - timedelta(hours=1), outcome="busy")
    do_write_call_records([taken, left], [])
    # The voicemail takes the call after its record was written, as the proxy tells it.
    taken.voicemail = True
    do_write_call_records([], [taken])
    assert taken.record_id is not None
    assert CallRecord.objects.get(pk=taken.record_id).voicemail
    browser = client_for(giulia)
    page = browser.get(f"/companies/{studio_rossi.slug}/calls/").content.decode()
    assert page.count("no answer · voicemail") == 1
    assert "busy · voicemail" not in page and "busy" in page
    rows = list(csv.reader(io.StringIO(
        browser.get(f"/companies/{studio_rossi.slug}/calls.csv").content.decode()
    )))  # fmt: skip
    assert rows[0][-1] == "voicemail"
    assert [(row[6], row[-1]) for row in rows[1:]] == [("no answer", "yes"), ("busy", "")]
    giulia.language = "it"
    giulia.save()
    italian = client_for(giulia).get(f"/companies/{studio_rossi.slug}/calls/").content.decode()
    assert "nessuna risposta · segreteria" in italian
