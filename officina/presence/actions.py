"""Check in, check out, remote sessions, arrival watches and kiosks.

Pushes to live pages and arrival notifications happen only after the commit,
so that nobody is told about a session that was rolled back.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from officina.accounts.access import is_space_manager, is_space_member
from officina.accounts.actions import check_kiosk_pin, do_lock_member
from officina.accounts.selectors import (
    belongs_to_space,
    is_visible_member,
    presence_shown_to,
    primary_company_names,
    share_a_space,
)
from officina.bookings.actions import check_claim_desk
from officina.bookings.selectors import desk_to_claim
from officina.core.errors import ErrorCode, OfficinaError

from . import live
from .kinds import CheckInKind, CheckInSource
from .models import ArrivalWatch, CheckIn, Kiosk
from .selectors import current_check_ins, expired_open_check_ins

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

# A session cannot be planned further ahead than this: "until tomorrow" is a new check-in.
MAX_SESSION = timedelta(hours=16)
KIOSK_COOKIE = "officina_kiosk"


def end_of_local_day(space: Space, now: datetime) -> datetime:
    """Forgotten check-outs end at midnight where the space is."""
    local = now.astimezone(space.zone)
    return datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=space.zone)


def planned_until_from_local_time(space: Space, until: time, now: datetime) -> datetime:
    """ "Until 18:00" means today at 18:00 in the space's time zone."""
    local_now = now.astimezone(space.zone)
    return datetime.combine(local_now.date(), until, tzinfo=space.zone)


def _close(check_in: CheckIn, ended_at: datetime) -> None:
    check_in.ended_at = max(ended_at, check_in.started_at)
    check_in.save(update_fields=["ended_at"])
    space_id, member_id = check_in.space_id, check_in.member_id
    transaction.on_commit(lambda: live.broadcast_departure(space_id, member_id))


def _close_expired_of(member: Member, now: datetime) -> None:
    for stale in expired_open_check_ins(now).filter(member=member).select_for_update():
        _close(stale, stale.planned_until or now)


def check_check_in(
    member: Member,
    space: Space,
    *,
    planned_until: datetime | None = None,
    note: str = "",
    source: str = CheckInSource.WEB,
    claim_desk: bool = False,
    now: datetime | None = None,
) -> CheckIn:
    """Start a session at ``space``: on site at a physical space, remote in the digital one.

    Checking in somewhere else ends the session the member had open. With
    ``claim_desk`` the member also takes the desk they booked there for today (the
    bookings app's claim): both happen, or neither.
    """
    return _check_in(
        member,
        space,
        planned_until=planned_until,
        note=note,
        source=source,
        claim_desk=claim_desk,
        now=now or timezone.now(),
    )[0]


def _check_in(
    member: Member,
    space: Space,
    *,
    planned_until: datetime | None,
    note: str,
    source: str,
    claim_desk: bool,
    now: datetime,
) -> tuple[CheckIn, str]:
    """``check_check_in``, which also gives the name of the desk it claimed ("" for none)."""
    if not is_space_member(member, space):
        raise OfficinaError(_("Join the space before checking in."), ErrorCode.NOT_FOUND)
    note = note.strip()
    if len(note) > 200:
        raise OfficinaError.invalid_input(
            _("The note is too long (200 characters at most)."), field="note"
        )
    if planned_until is not None:
        if planned_until <= now:
            raise OfficinaError.invalid_input(_("That time has already passed."), field="until")
        if planned_until - now > MAX_SESSION:
            raise OfficinaError.invalid_input(_("A session lasts 16 hours at most."), field="until")
    kind = _kind_at(space)
    with transaction.atomic():
        # Lock the member's row: two quick taps (web and kiosk) must not both start a session.
        do_lock_member(member)
        _close_expired_of(member, now)
        previous = CheckIn.objects.filter(member=member, ended_at__isnull=True).first()
        if previous is not None and previous.space_id == space.pk:
            raise OfficinaError(_("You are already checked in here."), ErrorCode.CONFLICT)
        if kind == CheckInKind.ON_SITE and space.capacity is not None:
            here = current_check_ins(now).filter(space=space, kind=CheckInKind.ON_SITE).count()
            if here >= space.capacity:
                raise OfficinaError(
                    _("%(space)s is full right now.") % {"space": space.name}, ErrorCode.CONFLICT
                )
        if previous is not None:
            _close(previous, now)
        try:
            with transaction.atomic():
                check_in = CheckIn.objects.create(
                    member=member,
                    space=space,
                    kind=kind,
                    started_at=now,
                    planned_until=planned_until or end_of_local_day(space, now),
                    note=note,
                    source=source,
                )
        except IntegrityError as error:
            raise OfficinaError(_("You are already checked in."), ErrorCode.CONFLICT) from error
        desk = ""
        if claim_desk:
            if kind != CheckInKind.ON_SITE:
                raise OfficinaError.invalid_input(
                    _("A remote space has no desks."), field="claim_desk"
                )
            desk = check_claim_desk(member, space, now=now).resource.name
        company_name = primary_company_names([member.pk]).get(member.pk, "")
        transaction.on_commit(lambda: live.broadcast_arrival(check_in, company_name, desk))
        _fire_arrival_watches(check_in)
    return check_in, desk


def check_claim_desk_here(member: Member, space: Space, *, now: datetime | None = None) -> str:
    """A member checked in at ``space`` takes the desk they booked there for today;
    the desk's name. Who's here shows it at once."""
    now = now or timezone.now()
    with transaction.atomic():
        check_in = current_check_ins(now).filter(member=member, space=space).first()
        if check_in is None or check_in.kind != CheckInKind.ON_SITE:
            raise OfficinaError(_("Check in here to take your desk."), ErrorCode.CONFLICT)
        desk = check_claim_desk(member, space, now=now).resource.name
        check_in.member, check_in.space = member, space
        company_name = primary_company_names([member.pk]).get(member.pk, "")
        transaction.on_commit(lambda: live.broadcast_arrival(check_in, company_name, desk))
    return desk


def check_check_out(member: Member, *, now: datetime | None = None) -> CheckIn:
    now = now or timezone.now()
    with transaction.atomic():
        check_in = (
            current_check_ins(now)
            .filter(member=member)
            .select_for_update()
            .select_related("space")
            .first()
        )
        if check_in is None:
            _close_expired_of(member, now)
            raise OfficinaError(_("You are not checked in."), ErrorCode.CONFLICT)
        _close(check_in, now)
    return check_in


@dataclass(frozen=True, slots=True)
class PastSession:
    """A session that is over, as an attendance register of earlier days records it."""

    member: Member
    space: Space
    started_at: datetime
    ended_at: datetime
    note: str = ""
    source: str = CheckInSource.WEB


def check_record_past_sessions(
    sessions: Sequence[PastSession], *, now: datetime | None = None
) -> list[CheckIn]:
    """Record sessions that are over (an import), each held to a check-in's rules.

    Every member belonged to the space, a session lasts 16 hours at most, nobody is
    in two sessions at once (counting those already recorded) and no space holds
    more people on site than its capacity. One refused session records none.
    """
    now = now or timezone.now()
    for session in sessions:
        if len(session.note.strip()) > 200:
            raise OfficinaError.invalid_input(
                _("The note is too long (200 characters at most)."), field="note"
            )
        if session.source not in CheckInSource.values:
            raise OfficinaError.invalid_input(_("Unknown source."), field="source")
        if not session.started_at < session.ended_at <= now:
            raise OfficinaError.invalid_input(
                _("A past session ends after it starts, and by now."), field="until"
            )
        if session.ended_at - session.started_at > MAX_SESSION:
            raise OfficinaError.invalid_input(_("A session lasts 16 hours at most."), field="until")
    for member, space in {(s.member, s.space) for s in sessions}:
        if not is_space_member(member, space):
            raise OfficinaError(_("Join the space before checking in."), ErrorCode.NOT_FOUND)
    if sessions:
        earlier = CheckIn.objects.filter(
            started_at__lt=max(s.ended_at for s in sessions),
        ).exclude(ended_at__lte=min(s.started_at for s in sessions))
        spans = [
            (c.member_id, c.space_id, c.kind, c.started_at, c.ended_at or now) for c in earlier
        ]
        spans += [
            (s.member.pk, s.space.pk, _kind_at(s.space), s.started_at, s.ended_at) for s in sessions
        ]
        if _most_at_once(spans, key=lambda span: span[0]) > 1:
            raise OfficinaError(_("You are already checked in."), ErrorCode.CONFLICT)
        for space in {s.space for s in sessions if s.space.capacity is not None}:
            on_site = [
                span for span in spans if span[1] == space.pk and span[2] == CheckInKind.ON_SITE
            ]
            if _most_at_once(on_site, key=lambda span: 0) > (space.capacity or 0):
                raise OfficinaError(
                    _("%(space)s is full right now.") % {"space": space.name}, ErrorCode.CONFLICT
                )
    return do_record_past_sessions(sessions)


def _kind_at(space: Space) -> str:
    return CheckInKind.REMOTE if space.is_remote else CheckInKind.ON_SITE


def _most_at_once(
    spans: Sequence[tuple[int, int, str, datetime, datetime]],
    key: Callable[[tuple[int, int, str, datetime, datetime]], int],
) -> int:
    """The largest number of spans open at one moment among those sharing a key."""
    events: list[tuple[int, datetime, int]] = []
    for span in spans:
        # An end sorts before a start at the same instant: back-to-back sessions don't overlap.
        events += [(key(span), span[3], 1), (key(span), span[4], -1)]
    events.sort(key=lambda event: (event[0], event[1], event[2]))
    most, open_now, current_key = 0, 0, None
    for event_key, _at, step in events:
        if event_key != current_key:
            current_key, open_now = event_key, 0
        open_now += step
        most = max(most, open_now)
    return most


@transaction.atomic
def do_record_past_sessions(sessions: Sequence[PastSession]) -> list[CheckIn]:
    """Store sessions that are over; nobody is told, as they are not news any more."""
    return CheckIn.objects.bulk_create(
        [
            CheckIn(
                member=session.member,
                space=session.space,
                kind=_kind_at(session.space),
                started_at=session.started_at,
                ended_at=session.ended_at,
                planned_until=session.ended_at,
                note=session.note.strip(),
                source=session.source,
            )
            for session in sessions
        ],
        batch_size=500,
    )


def do_close_expired_check_ins(now: datetime | None = None) -> int:
    """Close every session past its planned end (the periodic clean-up)."""
    now = now or timezone.now()
    closed = 0
    with transaction.atomic():
        for check_in in expired_open_check_ins(now).select_for_update():
            _close(check_in, check_in.planned_until or now)
            closed += 1
    return closed


# --- "notify me when X arrives" ----------------------------------------------------------


def check_watch_arrival(watcher: Member, member: Member) -> ArrivalWatch:
    if watcher.pk == member.pk:
        raise OfficinaError.invalid_input(_("You cannot wait for yourself."), field="member")
    if not is_visible_member(member) or not share_a_space(watcher, member):
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    watch, _created = ArrivalWatch.objects.get_or_create(watcher=watcher, member=member)
    return watch


def do_unwatch_arrival(watcher: Member, member: Member) -> None:
    ArrivalWatch.objects.filter(watcher=watcher, member=member).delete()


def _fire_arrival_watches(check_in: CheckIn) -> None:
    """Tell each watcher who shares the space; each watch fires once and is removed.

    Watchers who do not belong to the space, or whom the member does not let see their
    presence, keep waiting: they are not told where someone is when they could not see
    it on the page.
    """
    from officina.notifications.actions import do_notify

    watches = [
        watch
        for watch in ArrivalWatch.objects.filter(
            member=check_in.member, watcher__space_memberships__space=check_in.space
        ).select_related("watcher")
        if presence_shown_to(watch.watcher, check_in.member_id)
    ]
    if not watches:
        return
    url = reverse("presence:space", args=[check_in.space.slug])
    if check_in.kind == CheckInKind.REMOTE:
        message = gettext_noop("%(name)s started coworking remotely in %(space)s.")
    else:
        message = gettext_noop("%(name)s has arrived at %(space)s.")
    params = {"name": check_in.member.display_name, "space": check_in.space.name}
    for watch in watches:
        do_notify(
            watch.watcher,
            "presence.arrival",
            actor=check_in.member,
            text=message,
            url=url,
            params=params,
        )
    ArrivalWatch.objects.filter(pk__in=[watch.pk for watch in watches]).delete()


# --- kiosks ------------------------------------------------------------------------------


def hash_kiosk_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_enable_kiosk(manager: Member, space: Space, *, name: str) -> tuple[Kiosk, str]:
    """Turn a device into the space's kiosk; returns the kiosk and its secret token."""
    if not is_space_manager(manager, space):
        raise OfficinaError(_("Space not found."), ErrorCode.NOT_FOUND)
    if space.is_remote:
        raise OfficinaError.invalid_input(
            _("A remote space has no door for a kiosk."), field="name"
        )
    name = name.strip() or _("Entrance tablet")
    if len(name) > 80:
        raise OfficinaError.invalid_input(
            _("The name is too long (80 characters at most)."), field="name"
        )
    token = secrets.token_urlsafe(32)
    kiosk = Kiosk.objects.create(
        space=space, name=name, token_hash=hash_kiosk_token(token), created_by=manager
    )
    return kiosk, token


def check_revoke_kiosk(manager: Member, kiosk: Kiosk) -> None:
    if not is_space_manager(manager, kiosk.space):
        raise OfficinaError(_("Kiosk not found."), ErrorCode.NOT_FOUND)
    if kiosk.revoked_at is None:
        kiosk.revoked_at = timezone.now()
        kiosk.save(update_fields=["revoked_at"])


KIOSK_WRONG_PINS = 10
KIOSK_WRONG_PIN_WINDOW = timedelta(minutes=10)
KIOSK_PAUSE = timedelta(minutes=5)


def _record_wrong_pin(kiosk: Kiosk, now: datetime) -> None:
    with transaction.atomic():
        locked = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
        if (
            locked.wrong_pins_since is None
            or now - locked.wrong_pins_since > KIOSK_WRONG_PIN_WINDOW
        ):
            locked.wrong_pins, locked.wrong_pins_since = 0, now
        locked.wrong_pins += 1
        if locked.wrong_pins >= KIOSK_WRONG_PINS:
            locked.paused_until = now + KIOSK_PAUSE
            locked.wrong_pins, locked.wrong_pins_since = 0, None
        locked.save(update_fields=["wrong_pins", "wrong_pins_since", "paused_until"])


@dataclass(frozen=True, slots=True)
class KioskAnswer:
    """What the door tablet did: checked the member ``"in"`` or ``"out"``, and the desk
    they took on the way in ("" for none)."""

    direction: str
    check_in: CheckIn
    desk: str = ""


def check_kiosk_toggle(
    kiosk: Kiosk, member_id: int, pin: str, *, now: datetime | None = None
) -> KioskAnswer:
    """At the door: check the member in, or out if they are here; the PIN proves who it is.

    A member with a desk booked here for today takes it on the way in, as the web
    check-in's "Take my desk" does: both happen, or neither. Too many wrong PINs on one
    kiosk pause it for a few minutes, on top of each member's own lock.
    """
    now = now or timezone.now()
    space = kiosk.space
    paused_until = Kiosk.objects.filter(pk=kiosk.pk).values_list("paused_until", flat=True)[0]
    if paused_until is not None and paused_until > now:
        raise OfficinaError(
            _("Too many wrong PINs here: the kiosk is paused for a few minutes."),
            ErrorCode.RATE_LIMITED,
        )
    if not belongs_to_space(member_id, space.pk):
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    try:
        member = check_kiosk_pin(member_id, pin, now=now)
    except OfficinaError as error:
        if error.code == ErrorCode.INVALID_INPUT:
            _record_wrong_pin(kiosk, now)
        raise
    Kiosk.objects.filter(pk=kiosk.pk).update(last_used_at=now)
    current = current_check_ins(now).filter(member=member).first()
    if current is not None and current.space_id == space.pk:
        return KioskAnswer("out", check_check_out(member, now=now))
    check_in, desk = _check_in(
        member,
        space,
        planned_until=None,
        note="",
        source=CheckInSource.KIOSK,
        claim_desk=desk_to_claim(member, space, now=now) is not None,
        now=now,
    )
    return KioskAnswer("in", check_in, desk)
