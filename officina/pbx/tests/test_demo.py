import pytest

from officina.accounts.actions import SignUp, do_sign_up_many
from officina.core.demo import DemoContext
from officina.pbx import demo
from officina.pbx.models import CallRecord, Extension, SipCredential

pytestmark = pytest.mark.django_db


def test_every_demo_member_gets_an_extension_and_some_calls():
    do_sign_up_many(
        [SignUp(f"demo{i}@example.it", "officina-demo", f"Demo{i}", "Demo") for i in range(6)]
    )
    demo.populate(DemoContext())
    assert Extension.objects.count() == 6
    assert SipCredential.objects.count() == 6
    assert set(Extension.objects.values_list("number", flat=True)) == {
        str(201 + i) for i in range(6)
    }
    assert CallRecord.objects.count() == demo.DEMO_CALLS
    demo.populate(DemoContext())  # nothing left to provision: no duplicates
    assert Extension.objects.count() == 6
    assert CallRecord.objects.count() == demo.DEMO_CALLS
