"""The demo gives companies address books and reception groups, through the actions."""

import pytest
from django.core.management import call_command

from officina.contacts.models import Contact
from officina.ringgroups.models import BusinessHours, RingGroup


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_address_books_and_ring_groups():
    call_command("demo", members=60, companies=12)
    linked = Contact.objects.filter(linked_company__isnull=False)
    assert linked.exists()
    assert all(contact.linked_company_id != contact.company_id for contact in linked)
    outside = Contact.objects.filter(linked_company__isnull=True).first()
    assert outside is not None and outside.numbers.get().number.startswith("+393")
    group = RingGroup.objects.first()
    assert group is not None and group.in_hours_only and group.members.exists()
    assert BusinessHours.objects.filter(company=group.company).exists()
