"""Check-in rules, the one-open-session constraint, expiry, arrival watches, kiosks."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from officina.accounts.actions import check_set_kiosk_pin
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification
from officina.presence import actions
from officina.presence.kinds import CheckInKind, CheckInSource
from officina.presence.models import ArrivalWatch, CheckIn
from officina.presence.selectors import is_member_present, present_member_ids

pytestmark = pytest.mark.django_db


def test_check_in_on_site_ends_at_local_midnight(giulia, navigli):
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    check_in = actions.check_check_in(giulia, navigli, note="  the Rossi website  ", now=now)
    assert check_in.kind == CheckInKind.ON_SITE
    assert check_in.note == "the Rossi website"
    assert check_in.planned_until == datetime(2026, 3, 11, 0, 0, tzinfo=navigli.zone)


def test_remote_space_gives_a_remote_session(giulia, digital):
    check_in = actions.check_check_in(giulia, digital, note="Rossi website")
    assert check_in.kind == CheckInKind.REMOTE


def test_planned_until_is_read_in_the_space_time_zone(navigli):
    now = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 10:00 in Milano (summer time)
    until = actions.planned_until_from_local_time(navigli, time(18, 0), now)
    assert until == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)


def test_only_members_of_the_space_check_in(outsider, sara, navigli):
    for member in (outsider, sara):
        with pytest.raises(OfficinaError) as caught:
            actions.check_check_in(member, navigli)
        assert caught.value.code == ErrorCode.NOT_FOUND
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("until", "note"),
    [
        (timedelta(minutes=-5), ""),
        (timedelta(hours=17), ""),
        (None, "x" * 201),
    ],
)
def test_bad_check_in_input_changes_nothing(giulia, navigli, until, note):
    now = timezone.now()
    with pytest.raises(OfficinaError) as caught:
        actions.check_check_in(
            giulia, navigli, planned_until=now + until if until else None, note=note, now=now
        )
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert not CheckIn.objects.exists()


def test_checking_in_twice_at_the_same_space_is_a_conflict(giulia, navigli):
    actions.check_check_in(giulia, navigli)
    with pytest.raises(OfficinaError) as caught:
        actions.check_check_in(giulia, navigli)
    assert caught.value.code == ErrorCode.CONFLICT
    assert CheckIn.objects.count() == 1


def test_checking_in_elsewhere_ends_the_open_session(giulia, navigli, digital):
    first = actions.check_check_in(giulia, navigli)
    actions.check_check_in(giulia, digital)
    first.refresh_from_db()
    assert first.ended_at is not None
    assert present_member_ids(giulia, navigli) == set()
    assert present_member_ids(giulia, digital) == {giulia.pk}


def test_database_allows_one_open_session_per_member(giulia, navigli, digital):
    now = timezone.now()
    CheckIn.objects.create(member=giulia, space=navigli, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(member=giulia, space=digital, started_at=now)
    # Closed sessions do not count.
    CheckIn.objects.create(member=giulia, space=digital, started_at=now, ended_at=now)


def test_database_refuses_a_session_ending_before_it_starts(giulia, navigli):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            member=giulia, space=navigli, started_at=now, ended_at=now - timedelta(hours=1)
        )


def test_full_space_refuses_on_site_check_ins(giulia, marco, navigli):
    navigli.capacity = 1
    navigli.save()
    actions.check_check_in(giulia, navigli)
    with pytest.raises(OfficinaError) as caught:
        actions.check_check_in(marco, navigli)
    assert caught.value.code == ErrorCode.CONFLICT
    assert not is_member_present(marco)


def test_check_out(giulia, navigli):
    actions.check_check_in(giulia, navigli)
    ended = actions.check_check_out(giulia)
    assert ended.ended_at is not None
    assert not is_member_present(giulia)
    with pytest.raises(OfficinaError):
        actions.check_check_out(giulia)


def test_expired_sessions_count_as_ended_and_do_not_block(giulia, navigli):
    start = timezone.now() - timedelta(hours=3)
    actions.check_check_in(giulia, navigli, planned_until=start + timedelta(hours=1), now=start)
    assert not is_member_present(giulia)
    assert present_member_ids(giulia) == set()
    # A new check-in closes the forgotten one at its planned end.
    actions.check_check_in(giulia, navigli)
    old = CheckIn.objects.order_by("started_at").first()
    assert old is not None
    assert old.ended_at == start + timedelta(hours=1)
    assert is_member_present(giulia)


def test_clean_up_closes_expired_sessions_only(giulia, marco, navigli):
    start = timezone.now() - timedelta(hours=3)
    actions.check_check_in(giulia, navigli, planned_until=start + timedelta(hours=1), now=start)
    actions.check_check_in(marco, navigli)
    assert actions.do_close_expired_check_ins() == 1
    assert CheckIn.objects.filter(ended_at__isnull=True).get().member == marco


def test_arrival_watch_fires_once(giulia, marco, navigli):
    actions.check_watch_arrival(giulia, marco)
    actions.check_check_in(marco, navigli, note="")
    notes = Notification.objects.filter(recipient=giulia, kind="presence.arrival")
    assert notes.count() == 1
    shown = notes.get().shown_text
    assert shown == "Marco Colombo has arrived at Officina Navigli."
    assert notes.get().url == "/spaces/navigli/"
    assert not ArrivalWatch.objects.exists()
    actions.check_check_out(marco)
    actions.check_check_in(marco, navigli)
    assert notes.count() == 1


def test_arrival_notification_speaks_the_readers_language(giulia, marco, navigli):
    actions.check_watch_arrival(giulia, marco)
    with translation.override("it"):  # whoever acts, in whatever language
        actions.check_check_in(marco, navigli)
    notification = Notification.objects.get(recipient=giulia)
    with translation.override("en"):
        assert notification.shown_text == "Marco Colombo has arrived at Officina Navigli."
    with translation.override("it"):
        assert notification.shown_text == "Marco Colombo è arrivato/a a Officina Navigli."


def test_watch_is_kept_when_the_arrival_is_in_a_space_the_watcher_cannot_see(giulia, marco):
    # Giulia waits for Marco, who arrives in a space Giulia does not belong to.
    from officina.accounts.actions import do_join_space
    from officina.accounts.models import Space

    elsewhere = Space.objects.create(name="Officina Bologna", slug="bologna")
    do_join_space(marco, elsewhere)
    actions.check_watch_arrival(giulia, marco)
    actions.check_check_in(marco, elsewhere)
    assert not Notification.objects.filter(recipient=giulia).exists()
    assert ArrivalWatch.objects.filter(watcher=giulia, member=marco).exists()


def test_watch_rules(giulia, sara, outsider):
    with pytest.raises(OfficinaError):
        actions.check_watch_arrival(giulia, giulia)
    for stranger in (sara, outsider):  # no shared space: "not found"
        with pytest.raises(OfficinaError) as caught:
            actions.check_watch_arrival(giulia, stranger)
        assert caught.value.code == ErrorCode.NOT_FOUND
    assert not ArrivalWatch.objects.exists()


def test_kiosk_is_enabled_by_managers_only(luca, giulia, navigli, digital):
    with pytest.raises(OfficinaError):
        actions.check_enable_kiosk(giulia, navigli, name="Door")
    with pytest.raises(OfficinaError):
        actions.check_enable_kiosk(luca, digital, name="Door")
    kiosk, token = actions.check_enable_kiosk(luca, navigli, name="")
    assert kiosk.name == "Entrance tablet"
    assert token not in kiosk.token_hash and len(token) > 30


def test_kiosk_toggles_with_the_right_pin(luca, marco, sara, navigli):
    kiosk, _token = actions.check_enable_kiosk(luca, navigli, name="Door")
    check_set_kiosk_pin(marco, "4071")
    with pytest.raises(OfficinaError):
        actions.check_kiosk_toggle(kiosk, marco.pk, "0000")
    assert not is_member_present(marco)
    answer = actions.check_kiosk_toggle(kiosk, marco.pk, "4071")
    assert answer.direction == "in" and answer.check_in.source == CheckInSource.KIOSK
    assert answer.desk == ""  # no desk booked: none taken
    answer = actions.check_kiosk_toggle(kiosk, marco.pk, "4071")
    assert answer.direction == "out" and not is_member_present(marco)
    # Someone who does not belong to the space is unknown to its kiosk, PIN or not.
    check_set_kiosk_pin(sara, "5082")
    with pytest.raises(OfficinaError) as caught:
        actions.check_kiosk_toggle(kiosk, sara.pk, "5082")
    assert caught.value.code == ErrorCode.NOT_FOUND


def test_many_wrong_pins_pause_the_kiosk(luca, giulia, marco, navigli):
    kiosk, _token = actions.check_enable_kiosk(luca, navigli, name="Door")
    check_set_kiosk_pin(marco, "4071")
    check_set_kiosk_pin(giulia, "5082")
    check_set_kiosk_pin(luca, "6093")
    now = timezone.now()
    # A few guesses for each name: under each member's own limit, not under the kiosk's.
    for attempt in range(actions.KIOSK_WRONG_PINS):
        member = (marco, giulia, luca)[attempt % 3]
        with pytest.raises(OfficinaError) as caught:
            actions.check_kiosk_toggle(kiosk, member.pk, f"90{attempt:02d}", now=now)
        assert caught.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(OfficinaError) as caught:
        actions.check_kiosk_toggle(kiosk, marco.pk, "4071", now=now)
    assert caught.value.code == ErrorCode.RATE_LIMITED
    assert not is_member_present(marco)
    later = now + actions.KIOSK_PAUSE + timedelta(seconds=1)
    assert actions.check_kiosk_toggle(kiosk, marco.pk, "4071", now=later).direction == "in"


def test_past_sessions_are_recorded_closed_and_held_to_check_in_rules(
    giulia, marco, sara, navigli, digital
):
    now = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    morning = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    recorded = actions.check_record_past_sessions(
        [
            actions.PastSession(giulia, navigli, morning, morning + timedelta(hours=4)),
            # Back to back is not at once.
            actions.PastSession(
                giulia, digital, morning + timedelta(hours=4), morning + timedelta(hours=8)
            ),
            actions.PastSession(marco, navigli, morning, morning + timedelta(hours=8), " desk 4 "),
        ],
        now=now,
    )
    assert [(c.member, c.kind, c.note) for c in recorded] == [
        (giulia, CheckInKind.ON_SITE, ""),
        (giulia, CheckInKind.REMOTE, ""),
        (marco, CheckInKind.ON_SITE, "desk 4"),
    ]
    assert all(c.ended_at is not None for c in recorded)
    assert not present_member_ids(giulia, navigli, now=now)

    refused = [
        (actions.PastSession(sara, navigli, morning, morning + timedelta(hours=1)), "NOT_FOUND"),
        (actions.PastSession(giulia, navigli, morning, morning), "INVALID_INPUT"),
        (actions.PastSession(giulia, navigli, now, now + timedelta(hours=1)), "INVALID_INPUT"),
        (
            actions.PastSession(giulia, navigli, morning, morning + timedelta(hours=17)),
            "INVALID_INPUT",
        ),
        (
            actions.PastSession(
                giulia, navigli, morning + timedelta(hours=1), morning + timedelta(hours=2)
            ),
            "CONFLICT",
        ),
    ]
    for session, code in refused:
        with pytest.raises(OfficinaError) as caught:
            actions.check_record_past_sessions([session], now=now)
        assert caught.value.code == code
    assert CheckIn.objects.count() == 3


def test_past_sessions_respect_the_capacity(giulia, marco, navigli):
    navigli.capacity = 1
    navigli.save(update_fields=["capacity"])
    now = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    morning = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    with pytest.raises(OfficinaError) as caught:
        actions.check_record_past_sessions(
            [
                actions.PastSession(giulia, navigli, morning, morning + timedelta(hours=2)),
                actions.PastSession(
                    marco, navigli, morning + timedelta(hours=1), morning + timedelta(hours=3)
                ),
            ],
            now=now,
        )
    assert caught.value.code == ErrorCode.CONFLICT
    assert not CheckIn.objects.exists()
