"""``officina demo`` builds a whole community across every app, once; run again, it
brings the parts that depend on the clock up to date."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.models import Company, CompanyRelation, Member, Space
from officina.accounts.selectors import primary_company
from officina.attendant.models import Menu
from officina.bookings.models import Booking
from officina.conferences.models import Room
from officina.events.demo import EVENTS
from officina.events.models import Event
from officina.knowledge.models import Question
from officina.pbx.models import Extension
from officina.presence.demo import CLOSES, OPENS
from officina.presence.models import CheckIn
from officina.presence.selectors import current_check_ins
from officina.ringgroups.models import RingGroup
from officina.social.models import Post
from officina.trunks.models import PhoneNumber

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.django_db(transaction=True)
def test_demo_builds_a_community_once(capsys):
    call_command("demo", members=60, companies=12)

    assert Member.objects.count() >= 60
    assert Company.objects.count() >= 12
    assert CompanyRelation.objects.exists()
    assert set(Space.objects.values_list("kind", flat=True)) == {"physical", "remote"}
    assert Post.objects.exists()
    assert Question.objects.exists()
    # Every member can be called: the demo gives each an extension. The demo project's
    # client guest is no member of the coworking and has none.
    assert Extension.objects.count() >= Member.objects.filter(is_guest=False).count()
    assert Member.objects.filter(is_guest=True).count() == 1
    assert not Extension.objects.filter(member__is_guest=True).exists()
    # The demo member's company answers a menu and has a conference room (README).
    giulia_company = primary_company(Member.objects.get(email=DEMO_EMAIL))
    menu = Menu.objects.get(company=giulia_company)
    assert menu.number == "500" and menu.greeting
    assert set(menu.options.values_list("key", flat=True)) == {"1", "2", "9"}
    room = Room.objects.get(company=giulia_company)
    assert (room.number, room.pin) == ("800", "2026")
    # The space she manages answers a menu of its own on its number (docs/pbx.md).
    giulia = Member.objects.get(email=DEMO_EMAIL)
    space_menu = Menu.objects.get(space__slug="navigli")
    assert space_menu.number == "510" and space_menu.greeting and space_menu.greeting_text
    keys = dict(space_menu.options.values_list("key", "number"))
    assert keys["1"] == Extension.objects.get(member=giulia).number
    assert keys["2"] == RingGroup.objects.get(space__slug="navigli").number
    number = PhoneNumber.objects.get(trunk__space__slug="navigli")
    assert (number.route_kind, number.route_target) == ("menu", "510")
    browser = Client()
    browser.force_login(giulia)
    for language, menu_page in (("it", "Centralino automatico"), ("en", "Auto-attendant")):
        giulia.language = language
        giulia.save()
        page = browser.get("/spaces/navigli/").content.decode()
        assert "/spaces/navigli/attendant/" in page and menu_page in page
        page = browser.get("/spaces/navigli/attendant/").content.decode()
        assert "510" in page and "Benvenuti a Officina Navigli" in page
        page = browser.get("/spaces/navigli/trunks/").content.decode()
        assert number.e164 in page and "510" in page
    members_before = Member.objects.count()

    call_command("demo")
    assert Member.objects.count() == members_before
    assert "brought up to date" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_a_database_with_other_members_is_left_alone(make_member, capsys):
    make_member(email="someone@example.it")
    call_command("demo")
    assert "already has members" in capsys.readouterr().out
    assert Member.objects.count() == 1


def _on_site_now() -> list[CheckIn]:
    return list(current_check_ins().filter(space__kind="physical").select_related("space"))


@pytest.mark.django_db(transaction=True)
def test_the_demo_follows_the_clock():
    # Loaded on a Monday at 03:00 in Milan: nobody is at a desk at night.
    with time_machine.travel(datetime(2026, 3, 2, 3, 0, tzinfo=ROME), tick=False):
        call_command("demo", members=60, companies=12)
        assert _on_site_now() == []

    # Started again at 11:00 on Wednesday: the desks are busy, within opening hours.
    wednesday = datetime(2026, 3, 4, 11, 0, tzinfo=ROME)
    with time_machine.travel(wednesday, tick=False):
        call_command("demo")
        here = _on_site_now()
        assert len(here) >= 5
        for check_in in here:
            local_start = check_in.started_at.astimezone(check_in.space.zone)
            assert check_in.planned_until is not None
            local_end = check_in.planned_until.astimezone(check_in.space.zone)
            assert OPENS <= local_start.time() <= wednesday.time()
            assert wednesday.time() < local_end.time() <= CLOSES

    # A month later at night: the people of Wednesday have gone home, and every event
    # and the coming week's bookings are still ahead.
    a_month_later = datetime(2026, 4, 7, 23, 30, tzinfo=ROME)
    with time_machine.travel(a_month_later, tick=False):
        assert Event.objects.filter(starts_at__gt=timezone.now()).count() == 0
        call_command("demo")
        assert _on_site_now() == []
        upcoming = set(
            Event.objects.filter(starts_at__gt=timezone.now()).values_list("title", flat=True)
        )
        assert upcoming == {template[1] for template in EVENTS}
        tomorrow = timezone.now() + timedelta(days=1)
        assert Booking.objects.filter(
            starts_at__date__gte=tomorrow.date(),
            starts_at__lt=timezone.now() + timedelta(days=8),
        ).exists()
