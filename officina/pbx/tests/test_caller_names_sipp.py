"""A desk phone is told who is calling, as its company's address book knows them.

Giulia (extension of Studio Rossi's owner, Italian interface) keeps Sara in her
company's contacts as a supplier. A SIPp phone registered as Giulia's receives
the INVITE: its From display name says who calls, in Giulia's language, with the
caller's URI and tag untouched (the call then completes through the proxy). A
call from Marco, Giulia's colleague, keeps the name his phone sent.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from officina.contacts.actions import ContactInput, check_save_contact
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, live_pbx, port_base
from officina.pbx.tests.test_sipp import eventually, finished, sipp

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]


def received_invite_from(tmp_path: Path) -> list[str]:
    """The From lines of the INVITEs the SIPp phone received (its -trace_msg log)."""
    froms = []
    for log in tmp_path.glob("uas_answer*_messages.log"):
        for message in re.split(r"-{10,}", log.read_text(errors="replace")):
            if re.search(r"^INVITE sip:", message, re.MULTILINE) and "received" in message:
                found = re.search(r"^From:(.*)$", message, re.MULTILINE)
                if found:
                    froms.append(found.group(1).strip())
    return froms


def test_the_callee_phone_receives_the_caller_named_from_the_address_book(
    tmp_path, giulia, sara, marco, studio_rossi, panificio
):
    giulia.language = "it"
    giulia.save(update_fields=["language"])
    check_save_contact(
        studio_rossi,
        ContactInput(
            name="Sara Bianchi",
            relation="supplier",
            linked_company=panificio.slug,
            email=sara.email,
        ),
    )
    passwords = {}
    numbers = {}
    for member, password in ((giulia, "giulia-desk-pw"), (sara, "sara-pw"), (marco, "marco-pw")):
        extension = do_provision_extension(member)
        do_set_sip_password(extension, password)
        passwords[extension.number] = password
        numbers[member.email] = extension.number
    giulia_number, sara_number, marco_number = (
        numbers[giulia.email],
        numbers[sara.email],
        numbers[marco.email],
    )

    def credentials(user: str, callee: str) -> str:
        return f"{user};[authentication username={user} password={passwords[user]}];{callee}"

    with live_pbx(port_base() + 40) as pbx:
        base = pbx.port
        desk = sipp(
            tmp_path, "uas_answer.xml", pbx, base + 20, "-m", "2", "-trace_msg",
            background=True,
        )  # fmt: skip
        register = sipp(
            tmp_path, "register.xml", pbx, base + 21, "-m", "1",
            "-key", "contact_host", HOST, "-key", "contact_port", str(base + 20),
            "-key", "expires", "300",
            rows=[f"{giulia_number};[authentication username={giulia_number} "
                  f"password={passwords[giulia_number]}]"],
        )  # fmt: skip
        assert finished(register, tmp_path) == 0
        for caller, port in ((sara_number, base + 22), (marco_number, base + 23)):
            call = sipp(
                tmp_path, "uac_call.xml", pbx, port, "-m", "1", "-d", "100",
                rows=[credentials(caller, giulia_number)],
            )  # fmt: skip
            assert finished(call, tmp_path) == 0
        assert finished(desk, tmp_path) == 0
        assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).count() == 2)

    from_sara, from_marco = received_invite_from(tmp_path)
    assert from_sara.startswith(
        f'"Sara Bianchi (Panificio Bianchi, fornitore)" <sip:{sara_number}@{HOST}>;tag='
    ), from_sara
    assert from_marco.startswith(f"<sip:{marco_number}@{HOST}>;tag="), from_marco
