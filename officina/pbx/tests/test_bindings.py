from dataclasses import replace
from datetime import UTC, datetime

import pytest

from officina.pbx.actions import do_provision_extension, do_save_bindings
from officina.pbx.bindings import PERSISTED_FIELDS, Binding, binding_from_registration
from officina.pbx.models import Registration
from officina.pbx.selectors import live_registrations

pytestmark = pytest.mark.django_db

NOW = 1_760_000_000.0


def test_a_binding_names_every_column_of_a_registration_and_nothing_else():
    columns = {field.attname for field in Registration._meta.concrete_fields}
    assert set(PERSISTED_FIELDS) == columns - {"id"}


def test_a_binding_comes_back_from_the_database_as_it_was_saved(giulia):
    extension = do_provision_extension(giulia)
    binding = Binding(
        extension_id=extension.pk,
        binding_key="instance:<urn:uuid:1>;reg-id=1",
        contact_uri="sip:201@10.0.0.5:5062;transport=tcp",
        q=0.5,
        transport="TCP",
        received_host="10.0.0.5",
        received_port=50123,
        connection_key="tcp-7",
        node="first",
        path="<sip:edge.example.com;lr>",
        user_agent="Telefono di Niccolò",
        instance_id="urn:uuid:1",
        reg_id=1,
        call_id="reg-1@10.0.0.5",
        cseq=7,
        registered_at=NOW - 60,
        expires_at=NOW + 540,
    )
    do_save_bindings([binding], [])
    refreshed = replace(binding, cseq=8, expires_at=NOW + 600)
    do_save_bindings([refreshed], [])  # the same row, rewritten
    (stored,) = live_registrations(datetime.fromtimestamp(NOW, UTC))
    read = binding_from_registration(stored)
    assert read == replace(refreshed, persisted_expires_at=NOW + 600)
    do_save_bindings([], [(extension.pk, binding.binding_key)])
    assert not Registration.objects.exists()
