"""Answers reach the caller with the From the caller sent, even where the PBX rewrote it
for the other side: a trunk that wants the company's number in From (and in
P-Asserted-Identity) gets it; Giulia's SIPp phone sees its own From, tag and all, on
the provider's 180 and 200."""

from __future__ import annotations

import re

import pytest

from officina.pbx.models import CallRecord
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, PROVIDER, dial, messages
from officina.pbx.tests.test_sipp import eventually, finished

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("sipp_trunk", [{"caller_id_header": "both"}], indirect=True)
def test_the_caller_gets_answers_with_its_own_from_when_the_trunk_rewrote_it(
    tmp_path, phones, sipp_trunk
):
    giulia_number = phones["Giulia"][0]
    sipp_trunk.add_number(phones["Marco"][0], presented=True)
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    assert (
        dial(tmp_path / "giulia", sipp_trunk.pbx, sipp_trunk.base + 32, phones["Giulia"],
             "021234567", "uac_call.xml") == 0
    )  # fmt: skip
    assert finished(the_provider, tmp_path / "provider") == 0
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    sipp_trunk.stop()  # and its records written
    invite = next(m for m in messages(tmp_path / "provider", "received") if m.startswith("INVITE"))
    sent_from = re.search(r"^From: (.*)$", invite, re.MULTILINE)
    assert sent_from and f"<sip:{COMPANY_NUMBER}@{PROVIDER}>" in sent_from.group(1)
    tag = re.search(r"tag=([^;\s]+)", sent_from.group(1))
    assert tag
    answers = [
        m
        for m in messages(tmp_path / "giulia", "received")
        if m.startswith(("SIP/2.0 180", "SIP/2.0 200")) and re.search(r"^CSeq: \d+ INVITE", m, re.M)
    ]
    assert any(m.startswith("SIP/2.0 200") for m in answers)
    for answer in answers:
        got_from = re.search(r"^From: (.*)$", answer, re.MULTILINE)
        assert got_from and f"<sip:{giulia_number}@" in got_from.group(1), answer
        assert f"tag={tag.group(1)}" in got_from.group(1)
        assert COMPANY_NUMBER not in got_from.group(1)
