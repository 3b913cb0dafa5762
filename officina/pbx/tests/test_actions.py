import hashlib

import pytest
from django.conf import settings

from officina.accounts.models import Member
from officina.pbx.actions import (
    do_provision_extension,
    do_provision_extensions,
    do_regenerate_sip_password,
    do_set_sip_passwords,
)
from officina.pbx.models import Extension, SipCredential

pytestmark = pytest.mark.django_db


def make_member(email: str) -> Member:
    return Member.objects.create_user(email=email, password="s3cret-pass", first_name="Giulia")


def test_first_member_gets_201_and_next_gets_202():
    first = do_provision_extension(make_member("giulia@example.it"))
    second = do_provision_extension(make_member("marco@example.it"))
    assert (first.number, second.number) == ("201", "202")
    assert first.kind == Extension.Kind.MEMBER


def test_provisioning_twice_keeps_the_same_extension():
    member = make_member("giulia@example.it")
    assert do_provision_extension(member) == do_provision_extension(member)
    assert Extension.objects.count() == 1


def test_provisioning_many_numbers_the_missing_ones_in_order_with_credentials():
    giulia = make_member("giulia@example.it")
    existing = do_provision_extension(giulia)
    marco, sara = make_member("marco@example.it"), make_member("sara@example.it")
    new = do_provision_extensions([marco, giulia, sara])
    assert [(e.member, e.number) for e in new] == [(marco, "202"), (sara, "203")]
    assert Extension.objects.get(member=giulia) == existing
    credentials = SipCredential.objects.filter(extension__in=new)
    assert sorted(c.username for c in credentials) == ["202", "203"]
    assert len({c.ha1_md5 for c in credentials}) == 2
    assert do_provision_extensions([marco, giulia, sara]) == []


def test_regenerated_password_is_stored_only_as_digest_hashes():
    extension = do_provision_extension(make_member("giulia@example.it"))
    before = SipCredential.objects.get(extension=extension)
    password = do_regenerate_sip_password(extension)
    credential = SipCredential.objects.get(extension=extension)
    realm = settings.SIP_DOMAIN
    secret = f"{extension.number}:{realm}:{password}".encode()
    assert credential.ha1_md5 == hashlib.md5(secret, usedforsecurity=False).hexdigest()
    assert credential.ha1_sha256 == hashlib.sha256(secret).hexdigest()
    assert credential.ha1_md5 != before.ha1_md5
    assert password not in str(credential.__dict__)
    assert len(password) == 16


def test_many_extensions_take_one_password_in_place_of_their_credentials():
    extensions = do_provision_extensions(
        [make_member("giulia@example.it"), make_member("marco@example.it")]
    )
    do_set_sip_passwords(extensions, "officina-demo")
    realm = settings.SIP_DOMAIN
    for extension in extensions:
        (credential,) = SipCredential.objects.filter(extension=extension)
        secret = f"{extension.number}:{realm}:officina-demo".encode()
        assert credential.username == extension.number
        assert credential.ha1_sha256 == hashlib.sha256(secret).hexdigest()
