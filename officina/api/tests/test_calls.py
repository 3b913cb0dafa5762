"""/api/calls as named members: a company's owners read its calls, filtered and paged,
and as CSV; anyone else gets the 404 of a company that does not exist."""

from __future__ import annotations

import csv
import io

import pytest

from officina.pbx.tests.test_company_calls import calls  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calls")]


def test_owners_read_the_calls_and_others_find_nothing(
    api_as,
    giulia,
    marco,
    luca,
    sara,
    outsider,
):
    listed = api_as(giulia).get("/calls/studio-rossi")
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert body["meta"] == {"page": 1, "pages": 1, "count": 4}
    directions = sorted(call["direction"] for call in body["calls"])
    assert directions == ["in", "internal", "out", "out"]
    refused = next(call for call in body["calls"] if call["outcome"] == "refused")
    assert refused["reason"] == "satellite"
    assert {call["voicemail"] for call in body["calls"]} == {False}
    internal = next(call for call in body["calls"] if call["direction"] == "internal")
    assert internal["talk_seconds"] == 65
    assert internal["caller_name"] == "Giulia Rossi"
    for reader in (marco, luca, sara, outsider):
        for path in ("/calls/studio-rossi", "/calls/studio-rossi/csv"):
            answer = api_as(reader).get(path)
            missing = api_as(reader).get(path.replace("studio-rossi", "no-such-company"))
            assert answer.status_code == missing.status_code == 404
            assert answer.json() == missing.json()
    assert api_as(None).get("/calls/studio-rossi").status_code == 401


def test_filters_and_bad_filters(api_as, giulia, marco):
    client = api_as(giulia)
    found = client.get("/calls/studio-rossi", direction="out", person=str(marco.pk)).json()
    assert [call["callee_number"][:3] for call in found["calls"]] == ["203", "+88"]
    assert client.get("/calls/studio-rossi", since="2026-03-10").json()["meta"]["count"] == 1
    for bad in ({"since": "yesterday"}, {"direction": "sideways"}, {"page": "0"},
                {"since": "2026-03-10", "until": "2026-03-01"}):  # fmt: skip
        answer = client.get("/calls/studio-rossi", **bad)
        assert answer.status_code == 422, bad
        assert answer.json()["code"] == "INVALID_INPUT"


def test_the_csv_through_the_api(api_as, giulia):
    answer = api_as(giulia).get("/calls/studio-rossi/csv", direction="in")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    header, row = list(csv.reader(io.StringIO(answer.content.decode())))
    assert header[0] == "started"
    assert row[2] == '\'=HYPERLINK("http://evil")'
