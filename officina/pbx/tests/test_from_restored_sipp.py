"""Answers reach the caller with the From the caller sent, even where the PBX rewrote it
for the other side: a trunk that wants the company's number in From (and in
P-Asserted-Identity) gets it; Giulia's SIPp phone sees its own From, tag and all, on
the provider's 180 and 200."""

from __future__ import annotations

import re

import pytest

from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import live_pbx, port_base
from officina.pbx.tests.test_sipp import eventually, finished
from officina.pbx.tests.test_trunks_sipp import (
    COMPANY_NUMBER,
    PROVIDER,
    TRUNK_PASSWORD,
    TRUNK_USER,
    credentials,
    dial,
    messages,
    phones,  # noqa: F401 - a fixture
    provider,
    read_trunks_now,
)
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]


def test_the_caller_gets_answers_with_its_own_from_when_the_trunk_rewrote_it(
    tmp_path,
    phones,  # noqa: F811
    studio_rossi,
):
    giulia_number = phones["Giulia"][0]
    with live_pbx(port_base() + 90) as pbx:
        base = pbx.port
        trunk = check_save_trunk(
            studio_rossi,
            TrunkInput(
                name="Provider", host=PROVIDER, port=base + 30, mode="peer",
                username=TRUNK_USER, password=TRUNK_PASSWORD, peer_addresses=PROVIDER,
                caller_id_header="both",
            ),
        )  # fmt: skip
        check_save_number(
            studio_rossi,
            NumberInput(
                number=COMPANY_NUMBER, trunk_id=trunk.pk, route_kind="extension",
                route_target=phones["Marco"][0], presented=True,
            ),
        )  # fmt: skip
        read_trunks_now(pbx)
        the_provider = provider(
            tmp_path / "provider", "provider_answers_after_challenge.xml", pbx, base + 30,
            *credentials(tmp_path),
        )  # fmt: skip
        assert (
            dial(tmp_path / "giulia", pbx, base + 32, phones["Giulia"], "021234567",
                 "uac_call.xml") == 0
        )  # fmt: skip
        assert finished(the_provider, tmp_path / "provider") == 0
        assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
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
