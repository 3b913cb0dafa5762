"""SIPp as a telephone provider: a company's peer trunk to it, and the provider's side.

The provider listens on 127.0.0.2, another loopback address than the phones' (all on
127.0.0.1), since a peer trunk is known by the address its calls come from. The
``sipp_trunk`` fixture (``conftest.py``) starts a PBX with Studio Rossi's trunk to it.
"""

from __future__ import annotations

import re
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from officina.pbx.tests.livepbx import HOST, LivePbx
from officina.pbx.tests.test_sipp import SCENARIOS, finished, sipp
from officina.ringgroups.actions import (
    BusinessHoursInput,
    check_add_hours_exception,
    check_save_business_hours,
)
from officina.trunks.actions import NumberInput, check_save_number

if TYPE_CHECKING:
    from pathlib import Path

    from officina.accounts.selectors import PhoneOwner
    from officina.trunks.models import PhoneNumber, Trunk

PROVIDER = "127.0.0.2"
TRUNK_USER, TRUNK_PASSWORD = "studio-rossi", "trunk-secret-7"
COMPANY_NUMBER = "+390287654321"  # Studio Rossi's number: caller ID out, Marco's in


def close_today(owner: PhoneOwner) -> None:
    """Give ``owner`` (a company or a space) hours open every day, and close it all day
    today by an exception (today where it is: Europe/Rome)."""
    check_save_business_hours(
        owner, BusinessHoursInput("Europe/Rome", True, [[(time(0), time(23, 59))]] * 7)
    )
    check_add_hours_exception(
        owner, timezone.localtime(timezone.now(), ZoneInfo("Europe/Rome")).date()
    )


def read_trunks_now(pbx: LivePbx) -> None:
    """The PBX reads the trunks (and today's minutes) at once rather than at its next
    refresh."""
    trunks = pbx.running.server.trunks
    assert trunks is not None
    trunks.load()


def provider(
    directory: Path, scenario: str, pbx: LivePbx, port: int, *args: str, send: bool = False
) -> subprocess.Popen[bytes]:
    """SIPp as the provider on 127.0.0.2 (``send``: it calls the PBX)."""
    directory.mkdir(exist_ok=True)
    command = ["sipp", "-sf", str(SCENARIOS / scenario), "-i", PROVIDER, "-p", str(port)]
    command += ["-nostdin", "-trace_err", "-trace_msg", "-timeout", "30s", "-timeout_error"]
    if send:
        command.insert(1, f"{HOST}:{pbx.port}")
    command += ["-m", "1", *args]
    return subprocess.Popen(
        command, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def credentials(tmp_path: Path) -> list[str]:
    """The trunk's credentials as the provider knows them (SIPp's verifyauth)."""
    injection = tmp_path / "provider-accounts.csv"
    injection.write_text(f"SEQUENTIAL\n{TRUNK_USER};{TRUNK_PASSWORD}\n")
    return ["-inf", str(injection)]


def messages(directory: Path, kind: str) -> list[str]:
    """The messages a SIPp instance ``kind`` ("received"/"sent") in its -trace_msg log."""
    found = []
    for log in directory.glob("*_messages.log"):
        for block in re.split(r"^-{10,}.*\n", log.read_text(errors="replace"), flags=re.M):
            head, _, message = block.partition("\n")
            if kind in head and message.strip():
                found.append(message.strip())
    return found


def message_times(directory: Path, first_line: str) -> list[float]:
    """When a SIPp instance logged each message whose first line starts with
    ``first_line`` (seconds of the day, from its -trace_msg log)."""
    times = []
    for log in directory.glob("*_messages.log"):
        stamp = 0.0
        for line in log.read_text(errors="replace").splitlines():
            found = re.match(r"^-{10,} \d{4}-\d\d-\d\d (\d\d):(\d\d):([\d.]+)", line)
            if found:
                hours, minutes, seconds = found.groups()
                stamp = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
            elif line.startswith(first_line):
                times.append(stamp)
    return times


def dial(
    directory: Path, pbx: LivePbx, port: int, caller: tuple[str, str], number: str, scenario: str
) -> int:
    directory.mkdir(exist_ok=True)
    extension, password = caller
    process = sipp(
        directory, scenario, pbx, port, "-m", "1", "-d", "300", "-trace_msg",
        rows=[f"{extension};[authentication username={extension} password={password}];{number}"],
    )  # fmt: skip
    return finished(process, directory)


@dataclass
class SippTrunk:
    """A running PBX with Studio Rossi's peer trunk to SIPp as the provider."""

    pbx: LivePbx
    trunk: Trunk
    provider_port: int  # the provider's first SIP port (one more per extra instance)
    running: ExitStack = field(default_factory=ExitStack)

    @property
    def base(self) -> int:
        """The PBX's SIP port: the phones take ports from base + 10 on."""
        return self.pbx.port

    def add_number(self, route_target: str, **fields: object) -> PhoneNumber:
        """COMPANY_NUMBER on the trunk, ringing ``route_target``, read by the PBX."""
        data = NumberInput(
            number=str(fields.pop("number", COMPANY_NUMBER)), trunk_id=self.trunk.pk,
            route_kind=str(fields.pop("route_kind", "extension")), route_target=route_target,
        )  # fmt: skip
        for name, value in fields.items():
            setattr(data, name, value)
        number = check_save_number(self.trunk.owner, data)
        self.reload()
        return number

    def reload(self) -> None:
        read_trunks_now(self.pbx)

    def stop(self) -> None:
        """Stop the PBX now (it writes the call records it still holds)."""
        self.running.close()

    def answering(
        self,
        directory: Path,
        *args: str,
        scenario: str = "provider_answers_after_challenge.xml",
        port_offset: int = 0,
    ) -> subprocess.Popen[bytes]:
        """The provider waiting for a call out: it challenges it, checks the trunk's
        credentials and answers (another ``scenario`` may do otherwise)."""
        return provider(
            directory, scenario, self.pbx, self.provider_port + port_offset,
            *credentials(directory.parent), *args,
        )  # fmt: skip

    def calling(
        self,
        directory: Path,
        *args: str,
        scenario: str = "provider_calls_number.xml",
        port_offset: int = 0,
    ) -> subprocess.Popen[bytes]:
        """The provider calling the PBX (``args``: SIPp's ``-key did ...`` and so on)."""
        return provider(
            directory, scenario, self.pbx, self.provider_port + port_offset, *args, send=True
        )
