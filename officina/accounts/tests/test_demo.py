"""The demo community of accounts, presence and events: realistic, consistent, loginable."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from officina.accounts import demo as accounts_demo
from officina.accounts.models import (
    Company,
    CompanyMembership,
    CompanyRelation,
    Member,
    Space,
    SpaceMembership,
)
from officina.core.demo import DemoContext
from officina.events import demo as events_demo
from officina.events.models import RSVP, Event
from officina.presence import demo as presence_demo
from officina.presence.selectors import present_member_ids

pytestmark = pytest.mark.django_db


# On a Wednesday morning: people are at the desks only in the spaces' working hours.
@time_machine.travel(datetime(2026, 3, 4, 11, 0, tzinfo=ZoneInfo("Europe/Rome")))
def test_demo_community(capsys):
    context = DemoContext(members=80, companies=15)
    accounts_demo.populate(context)
    presence_demo.populate(context)
    events_demo.populate(context)

    assert Member.objects.count() == 80
    assert Company.objects.count() == 15
    assert set(Space.objects.values_list("slug", flat=True)) == {
        "navigli",
        "san-salvario",
        "digital",
    }
    assert {s.time_zone for s in Space.objects.all()} == {"Europe/Rome"}
    # Everybody has exactly one main company and belongs to at least one space.
    assert CompanyMembership.objects.filter(is_primary=True).count() == 80
    assert SpaceMembership.objects.values("member").distinct().count() == 80
    for space in Space.objects.all():
        assert SpaceMembership.objects.filter(space=space, role="manager").exists(), space
    assert CompanyRelation.objects.filter(kind="client").count() >= 5
    # People are here now, on site and remotely, and events are coming with answers.
    operator = Member.objects.create_superuser("operator@officina.test")
    assert len(present_member_ids(operator, Space.objects.get(slug="navigli"))) > 0
    assert len(present_member_ids(operator, Space.objects.get(slug="digital"))) > 0
    assert Event.objects.count() >= 10 and RSVP.objects.exists()
    for event in Event.objects.exclude(capacity=None):
        assert event.rsvps.filter(status="going").count() <= (event.capacity or 0)

    assert "giulia@officina.demo / officina-demo" in capsys.readouterr().out
    client = Client()
    response = client.post(
        "/login/", {"username": accounts_demo.DEMO_EMAIL, "password": accounts_demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/spaces/navigli/manage/").status_code == 200


def test_demo_is_deterministic():
    accounts_demo.populate(DemoContext(members=30, companies=8))
    first = list(Member.objects.order_by("id").values_list("email", flat=True))
    Member.objects.all().delete()
    Company.objects.all().delete()
    Space.objects.all().delete()
    accounts_demo.populate(DemoContext(members=30, companies=8))
    assert list(Member.objects.order_by("id").values_list("email", flat=True)) == first
