"""The ring group pages: owners set groups up in order, people switch their own do not
disturb, others see nothing; errors in Italian."""

from __future__ import annotations

import pytest
from django.urls import reverse

from officina.ringgroups import views
from officina.ringgroups.access import access_ring_group_by_id
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import RingGroup, RingGroupMember

pytestmark = pytest.mark.django_db


def test_an_owner_makes_a_hunt_group_in_the_order_given(client_for, giulia, marco, studio_rossi):
    url = reverse("ringgroups:create", args=[studio_rossi.slug])
    page = client_for(giulia).post(
        url,
        {
            "name": "Reception",
            "number": "600",
            "strategy": "hunt",
            "targets": "listed",
            "ring_seconds": "10",
            f"place_{marco.pk}": "1",
            f"place_{giulia.pk}": "2",
        },
        follow=True,
    )
    assert "Reception is saved." in page.content.decode()
    group = RingGroup.objects.get()
    assert (group.number, group.strategy, group.ring_seconds) == ("600", "hunt", 10)
    assert list(group.members.values_list("member__first_name", flat=True)) == ["Marco", "Giulia"]


def test_errors_on_the_form_in_italian_and_nothing_saved(client_for, giulia, studio_rossi):
    browser = client_for(giulia)
    browser.cookies["django_language"] = "it"
    page = browser.post(
        reverse("ringgroups:create", args=[studio_rossi.slug]),
        {
            "name": "Reception",
            "number": "6x",
            "strategy": "hunt",
            "targets": "listed",
            "ring_seconds": "10",
        },
    )
    assert "Il numero ha da 2 a 6 cifre." in page.content.decode()
    page = browser.post(
        reverse("ringgroups:create", args=[studio_rossi.slug]),
        {
            "name": "Reception",
            "number": "600",
            "strategy": "hunt",
            "targets": "listed",
            "ring_seconds": "10",
        },
    )
    assert "Indica almeno una persona." in page.content.decode()
    assert not RingGroup.objects.exists()


def test_who_sees_and_who_sets_up(client_for, giulia, marco, sara, luca, outsider, studio_rossi):
    group = check_save_ring_group(
        studio_rossi, RingGroupInput("Desk", "600", member_ids=[marco.pk])
    )
    listing = reverse("ringgroups:list", args=[studio_rossi.slug])
    editing = reverse("ringgroups:edit", args=[studio_rossi.slug, group.pk])
    assert client_for(giulia).get(editing).status_code == 200
    for member in (marco, luca):
        assert client_for(member).get(listing).status_code == 200
        assert client_for(member).get(editing).status_code == 404
    for member in (sara, outsider):
        assert client_for(member).get(listing).status_code == 404
    assert (
        client_for(marco)
        .post(reverse("ringgroups:delete", args=[studio_rossi.slug, group.pk]))
        .status_code
        == 404
    )
    assert RingGroup.objects.exists()


def test_a_person_switches_their_own_do_not_disturb(client_for, giulia, marco, studio_rossi):
    group = check_save_ring_group(
        studio_rossi, RingGroupInput("Desk", "600", member_ids=[marco.pk])
    )
    url = reverse("ringgroups:availability", args=[studio_rossi.slug, group.pk])
    page = client_for(marco).post(url, {"available": "no"}, follow=True)
    assert "Do not disturb: Desk&#x27;s calls no longer ring you." in page.content.decode()
    assert not RingGroupMember.objects.get().available
    client_for(marco).post(url, {"available": "yes"})
    assert RingGroupMember.objects.get().available
    # Giulia is not in the group: nothing to switch.
    assert client_for(giulia).post(url, {"available": "no"}).status_code == 404


def test_an_owner_sets_business_hours_with_a_break_and_an_exception(
    client_for, giulia, marco, studio_rossi
):
    browser = client_for(giulia)
    url = reverse("ringgroups:hours", args=[studio_rossi.slug])
    form = {"form": "hours", "time_zone": "Europe/Rome", "italian_holidays": "on"}
    for weekday in range(5):
        form |= {
            f"opens_1_{weekday}": "09:00",
            f"closes_1_{weekday}": "13:00",
            f"opens_2_{weekday}": "14:00",
            f"closes_2_{weekday}": "18:00",
        }
    page = browser.post(url, form | {"opens_2_4": "12:00"})
    assert "The periods of a day must not overlap." in page.content.decode()
    page = browser.post(url, form, follow=True)
    assert "The business hours are saved." in page.content.decode()
    hours = studio_rossi.business_hours
    assert hours.periods.count() == 10
    page = browser.post(
        url, {"form": "exception", "day": "2027-12-07", "note": "Sant'Ambrogio"}, follow=True
    )
    assert "Sant&#x27;Ambrogio" in page.content.decode()
    assert hours.exceptions.get().opens is None
    # Marco sees them; only owners change them.
    assert client_for(marco).get(url).status_code == 200
    assert client_for(marco).post(url, form).status_code == 404


def test_the_page_does_not_make_a_group_removed_meanwhile_again(
    client_for, giulia, marco, studio_rossi, monkeypatch
):
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="600", member_ids=[marco.pk])
    )

    def removed_by_another_owner_once_found(*args: object, **kwargs: object) -> RingGroup:
        group = access_ring_group_by_id(*args, **kwargs)  # type: ignore[arg-type]
        RingGroup.objects.filter(pk=group.pk).delete()
        return group

    monkeypatch.setattr(views, "access_ring_group_by_id", removed_by_another_owner_once_found)
    browser = client_for(giulia)
    browser.cookies["django_language"] = "it"
    page = browser.post(
        reverse("ringgroups:edit", args=[studio_rossi.slug, desk.pk]),
        {
            "name": "Front desk",
            "number": "600",
            "strategy": "hunt",
            "targets": "listed",
            "ring_seconds": "10",
            f"place_{giulia.pk}": "1",
        },
    )
    assert page.status_code == 200
    assert (
        "Questo gruppo di chiamata è stato rimosso nel frattempo: non è stato salvato nulla."
        in (page.content.decode())
    )
    assert not RingGroup.objects.exists()
    assert not RingGroupMember.objects.exists()
