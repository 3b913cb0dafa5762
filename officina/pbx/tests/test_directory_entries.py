"""The directory's read of extensions and credentials, which the PBX repeats every few
seconds beside the proxy."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_init

from officina.pbx.actions import do_provision_extension
from officina.pbx.selectors import directory_entries

pytestmark = pytest.mark.django_db


def test_an_entry_carries_the_members_name_language_and_digest_hashes(giulia, marco):
    giulia_extension = do_provision_extension(giulia)
    marco_extension = do_provision_extension(marco)
    entries = {entry.number: entry for entry in directory_entries()}
    entry = entries[giulia_extension.number]
    credential = giulia_extension.sip_credential
    assert entry.extension_id == giulia_extension.pk
    assert entry.member_id == giulia.pk
    assert entry.display_name == giulia.display_name
    assert entry.language == giulia.language
    assert (entry.realm, entry.ha1_md5, entry.ha1_sha256) == (
        credential.realm,
        credential.ha1_md5,
        credential.ha1_sha256,
    )
    assert entries[marco_extension.number].display_name == marco.display_name
    only = directory_entries([marco_extension.number])
    assert [entry.number for entry in only] == [marco_extension.number]


def test_the_full_read_builds_no_model_instances(giulia, marco, sara):
    # Every few seconds on a thread that shares the interpreter with the proxy: a model
    # instance per credential, extension and member made this read cost about ten times
    # what the rows themselves do.
    for member in (giulia, marco, sara):
        do_provision_extension(member)
    built: list[object] = []

    def count(sender: type, instance: object, **kwargs: object) -> None:
        built.append(instance)

    post_init.connect(count)
    try:
        entries = directory_entries()
    finally:
        post_init.disconnect(count)
    assert len(entries) >= 3
    assert built == []
