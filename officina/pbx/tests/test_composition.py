"""Sign-up provisions the extension in its own transaction; reads never provision."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from officina.accounts.actions import SignUp, check_sign_up, do_sign_up_many
from officina.accounts.models import Member
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx import receivers
from officina.pbx.access import access_own_extension_by_member
from officina.pbx.models import Extension, SipCredential

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def _sign_up(email: str) -> Member:
    return check_sign_up(
        email=email, password="a long enough pass phrase", first_name="Giulia", last_name="Rossi"
    )


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]


def test_a_new_member_has_an_extension_with_sip_credentials():
    member = _sign_up("giulia@example.it")
    extension = Extension.objects.get(member=member)
    assert extension.is_active
    assert SipCredential.objects.filter(extension=extension).exists()


def test_a_failed_provisioning_undoes_the_sign_up(monkeypatch):
    def refuse(member: Member) -> Extension:
        raise RuntimeError("Could not find a free extension number.")

    monkeypatch.setattr(receivers, "do_provision_extension", refuse)
    with pytest.raises(RuntimeError):
        _sign_up("giulia@example.it")
    assert not Member.objects.filter(email="giulia@example.it").exists()


def test_members_signed_up_in_bulk_have_extensions_numbered_in_order():
    members = do_sign_up_many(
        [
            SignUp(f"socio{i}@example.it", "a long enough pass phrase", "Socio", str(i))
            for i in range(3)
        ]
    )
    extensions = Extension.objects.filter(member__in=members).order_by("number")
    assert [e.member_id for e in extensions] == [m.pk for m in members]
    assert [e.number for e in extensions] == ["201", "202", "203"]
    assert SipCredential.objects.filter(extension__in=extensions).count() == 3


def test_a_failed_provisioning_undoes_the_bulk_sign_up(monkeypatch):
    def refuse(members: list[Member]) -> list[Extension]:
        raise RuntimeError("Could not find a free extension number.")

    monkeypatch.setattr(receivers, "do_provision_extensions", refuse)
    with pytest.raises(RuntimeError):
        do_sign_up_many([SignUp("socio@example.it", "a long enough pass phrase", "Socio", "Uno")])
    assert not Member.objects.filter(email="socio@example.it").exists()


def test_access_to_the_own_extension_only_reads(make_member):
    member = make_member()
    with CaptureQueriesContext(connection) as queries, pytest.raises(OfficinaError) as raised:
        access_own_extension_by_member(member)
    assert raised.value.code == ErrorCode.NOT_FOUND
    assert _writes(queries) == []
    assert not Extension.objects.filter(member=member).exists()


def test_the_profile_panel_only_reads(make_member, rf):
    member = make_member()
    request = rf.get("/")
    request.user = member
    template = Template("{% load pbx_tags %}{% pbx_profile_panel member %}")
    with CaptureQueriesContext(connection) as queries:
        template.render(Context({"request": request, "member": member}))
    assert _writes(queries) == []
    assert not Extension.objects.filter(member=member).exists()
