import pytest
from django.core.management import call_command

from officina.accounts.models import Member

pytestmark = pytest.mark.django_db


def test_createadmin_makes_a_superuser_then_resets_its_password():
    call_command("createadmin", email="Admin@Example.it", password="first password")
    admin = Member.objects.get(email="admin@example.it")
    assert admin.is_staff and admin.is_superuser
    assert admin.check_password("first password")
    call_command("createadmin", email="admin@example.it", password="second password")
    admin.refresh_from_db()
    assert admin.check_password("second password")
    assert Member.objects.count() == 1
