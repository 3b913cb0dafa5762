"""Fixtures of the PBX's tests against real peers.

``phones``: Giulia's and Marco's extensions with SIP passwords, name → (number, password).
``sipp_trunk``: a running PBX with Studio Rossi's peer trunk to SIPp as the provider
(``sipp_provider.SippTrunk``); parametrize it indirectly with a dict of ``TrunkInput``
fields to change the trunk (``caller_id_header="both"``), and ``"space": True`` for the
trunk of the space Officina Navigli (Studio Rossi's) instead.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.tests.livepbx import live_pbx, port_base
from officina.pbx.tests.sipp_provider import (
    PROVIDER,
    TRUNK_PASSWORD,
    TRUNK_USER,
    SippTrunk,
    read_trunks_now,
)
from officina.trunks.actions import TrunkInput, check_save_trunk

if TYPE_CHECKING:
    from collections.abc import Iterator

    from officina.accounts.models import Company, Member


@pytest.fixture
def phones(giulia: Member, marco: Member) -> dict[str, tuple[str, str]]:
    numbers = {}
    for member in (giulia, marco):
        extension = do_provision_extension(member)
        password = f"{member.first_name.lower()}-desk-pw"
        do_set_sip_password(extension, password)
        numbers[member.first_name] = (extension.number, password)
    return numbers


@pytest.fixture
def sipp_trunk(request: pytest.FixtureRequest, studio_rossi: Company) -> Iterator[SippTrunk]:
    fields = dict(getattr(request, "param", {}))
    owner = request.getfixturevalue("navigli") if fields.pop("space", False) else studio_rossi
    # The test may stop the PBX itself (``SippTrunk.stop``); closing again does nothing.
    with ExitStack() as running:
        pbx = running.enter_context(live_pbx(port_base() + 60))
        provider_port = pbx.port + 30
        trunk = check_save_trunk(
            owner,
            TrunkInput(
                name="Provider", host=PROVIDER, port=provider_port, mode="peer",
                username=TRUNK_USER, password=TRUNK_PASSWORD, peer_addresses=PROVIDER,
                **fields,
            ),
        )  # fmt: skip
        read_trunks_now(pbx)
        yield SippTrunk(pbx, trunk, provider_port, running)
