"""Reads of trunks, numbers and outbound permissions: a company's or a space's own, for
their pages, and the snapshot the PBX holds in memory to route calls in and out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from officina.accounts.selectors import (
    company_ids_of_members,
    owner_field,
    owner_people_ids,
    space_ids_of_members,
)
from officina.attendant.selectors import menu_routes_to, owner_menus
from officina.pbx.selectors import forwarding_holders_to
from officina.ringgroups.selectors import (
    company_schedules,
    owner_ring_groups,
    ring_groups_overflowing_to,
    space_schedules,
)

from .dialling import Dialled, read_dialled
from .kinds import (
    DAILY_MINUTES_DEFAULT,
    DAILY_MINUTES_REFUSAL,
    DEFAULT_CLASSES,
    CallClass,
    RouteKind,
)
from .models import OutboundPermission, PhoneNumber, Trunk

if TYPE_CHECKING:
    from collections.abc import Iterator

    from officina.accounts.models import Company, Member
    from officina.accounts.selectors import PhoneOwner
    from officina.ringgroups.business_hours import Schedule


def owner_trunks(owner: PhoneOwner) -> QuerySet[Trunk]:
    """The trunks of a company or of a space."""
    return Trunk.objects.filter(**{owner_field(owner): owner}).prefetch_related("numbers")


def trunk_of_owner(owner: PhoneOwner, trunk_id: int) -> Trunk | None:
    return owner_trunks(owner).filter(pk=trunk_id).first()


def owner_numbers(owner: PhoneOwner) -> QuerySet[PhoneNumber]:
    """The numbers of a company or of a space (on its trunks)."""
    return PhoneNumber.objects.filter(**{f"trunk__{owner_field(owner)}": owner}).select_related(
        "trunk"
    )


def number_of_owner(owner: PhoneOwner, number_id: int) -> PhoneNumber | None:
    return owner_numbers(owner).filter(pk=number_id).first()


def number_is_taken(e164: str, *, except_number: PhoneNumber | None = None) -> bool:
    numbers = PhoneNumber.objects.filter(e164=e164)
    if except_number is not None:
        numbers = numbers.exclude(pk=except_number.pk)
    return numbers.exists()


@dataclass(frozen=True, slots=True)
class RoutedFrom:
    """One way calls reach a menu or a ring group: a phone number's route (``how`` is
    ``"route"``, ``"after_hours"`` or ``"forward"``), a menu's key (``how`` the key) or
    out-of-hours menu (``how`` empty), a ring group's out-of-hours number, a member's
    own call forwarding (``number`` their extension, ``how`` their name)."""

    # "number" (a DID, in E.164), "forwarding" (an extension), or a RouteKind: MENU,
    # RING_GROUP
    kind: str
    number: str
    how: str = ""

    def __str__(self) -> str:
        if self.kind == "forwarding":
            return _("the call forwarding of %(name)s (%(number)s)") % {
                "name": self.how,
                "number": self.number,
            }
        if self.kind == "number":
            said = {
                "route": _("the number %(number)s"),
                "after_hours": _("the number %(number)s out of hours"),
                "forward": _("the number %(number)s forwarded"),
            }[self.how]
        elif self.kind == RouteKind.MENU and self.how:
            said = _("key %(key)s of menu %(number)s")
        elif self.kind == RouteKind.MENU:
            said = _("menu %(number)s out of hours")
        else:
            said = _("ring group %(number)s out of hours")
        return said % {"number": self.number, "key": self.how}


@dataclass(frozen=True, slots=True)
class RoutedHere:
    """What sends calls to a menu or a ring group, as one owner's managers are told it:
    ``named`` the routes they may see (their own numbers, menus and groups, their own
    people's forwarding), the rest only counted: ``outside_forwarding`` the forwarding of
    people who are not theirs (another company's member may forward to any menu),
    ``outside_routes`` the numbers, menus and groups of other owners. Iterating gives the
    phrases to list, the named first."""

    named: tuple[RoutedFrom, ...] = ()
    outside_forwarding: int = 0
    outside_routes: int = 0
    of_a_space: bool = False

    def __bool__(self) -> bool:
        return bool(self.named or self.outside_forwarding or self.outside_routes)

    def __iter__(self) -> Iterator[str]:
        yield from (str(route) for route in self.named)
        if self.outside_forwarding:
            said = (
                ngettext(
                    "the call forwarding of %(count)s person outside the space",
                    "the call forwarding of %(count)s people outside the space",
                    self.outside_forwarding,
                )
                if self.of_a_space
                else ngettext(
                    "the call forwarding of %(count)s person outside the company",
                    "the call forwarding of %(count)s people outside the company",
                    self.outside_forwarding,
                )
            )
            yield said % {"count": self.outside_forwarding}
        if self.outside_routes:
            said = (
                ngettext(
                    "%(count)s route from outside the space",
                    "%(count)s routes from outside the space",
                    self.outside_routes,
                )
                if self.of_a_space
                else ngettext(
                    "%(count)s route from outside the company",
                    "%(count)s routes from outside the company",
                    self.outside_routes,
                )
            )
            yield said % {"count": self.outside_routes}


# A route's owner: (company id, space id), one of the two None.
_Owned = tuple[int | None, int | None]


def _routes_to(
    kind: str, number: str
) -> tuple[list[tuple[RoutedFrom, _Owned]], list[tuple[int, RoutedFrom]]]:
    """What sends calls to the menu or ring group ``number``: the numbers', menus' and
    groups' routes, each with its owner, and the members' own call forwarding, each with
    the member's id (a member belongs to no one owner). Five queries."""
    phone_numbers = (
        PhoneNumber.objects.filter(
            Q(route_kind=kind, route_target=number)
            | Q(after_hours_kind=kind, after_hours_target=number)
            | Q(forward_kind=kind, forward_target=number)
        )
        .select_related("trunk")
        .order_by("e164")
    )
    owned: list[tuple[RoutedFrom, _Owned]] = []
    for phone in phone_numbers:
        for how, (its_kind, its_target) in {
            "route": (phone.route_kind, phone.route_target),
            "after_hours": (phone.after_hours_kind, phone.after_hours_target),
            "forward": (phone.forward_kind, phone.forward_target),
        }.items():
            if (its_kind, its_target) == (kind, number):
                owned.append(
                    (
                        RoutedFrom("number", phone.e164, how),
                        (phone.trunk.company_id, phone.trunk.space_id),
                    )
                )
    owned += [
        (RoutedFrom(RouteKind.MENU, menu, key), (company_id, space_id))
        for menu, key, company_id, space_id in menu_routes_to(kind, number)
    ]
    if kind == RouteKind.RING_GROUP:
        owned += [
            (RoutedFrom(kind, group), (company_id, space_id))
            for group, company_id, space_id in ring_groups_overflowing_to(number)
        ]
    return owned, [
        (member_id, RoutedFrom("forwarding", extension, name))
        for member_id, name, extension in forwarding_holders_to(number)
    ]


def _owned_by(owner: PhoneOwner) -> _Owned:
    return (None, owner.pk) if owner_field(owner) == "space" else (owner.pk, None)


def routed_to(kind: str, number: str, *, seen_by: PhoneOwner | None) -> RoutedHere:
    """Everything that sends calls to the menu or ring group ``number`` (``kind`` a
    ``RouteKind``): the phone numbers routed or forwarded there, the menus' keys and
    out-of-hours menus, the ring groups' out-of-hours numbers, the members' own call
    forwarding. The one answer to "what routes here", asked before a menu or a group is
    removed or renumbered. Named when ``seen_by`` (the company or space asking) owns the
    route or the forwarding member is one of its people, counted otherwise; None names
    everything (the Django admin's staff see every owner). Five queries, six with a
    forwarding to tell apart."""
    owned, forwarding = _routes_to(kind, number)
    if seen_by is None:
        return RoutedHere(
            tuple(route for route, _owner in owned) + tuple(route for _id, route in forwarding)
        )
    theirs = _owned_by(seen_by)
    people = owner_people_ids(seen_by) if forwarding else set()
    named = [route for route, owner in owned if owner == theirs]
    named += [route for member_id, route in forwarding if member_id in people]
    return RoutedHere(
        tuple(named),
        outside_forwarding=sum(1 for member_id, _route in forwarding if member_id not in people),
        outside_routes=sum(1 for _route, owner in owned if owner != theirs),
        of_a_space=owner_field(seen_by) == "space",
    )


def routed_to_from_outside(owner: PhoneOwner) -> list[tuple[str, str, tuple[RoutedFrom, ...]]]:
    """(kind, number, routes) for each ring group and menu of ``owner`` (a ``RouteKind``,
    its number) that calls are routed to from outside it: the routes that removing
    ``owner`` would leave sending calls to nothing. Its own numbers, menus and groups go
    with it; every member's call forwarding stays (a member outlives a company or a
    space), as do other owners' groups overflowing to one of its groups. By number, ring
    groups first. Five queries for each of its groups and menus, and four."""
    theirs = _owned_by(owner)
    targets = [
        *((RouteKind.RING_GROUP, group.number) for group in owner_ring_groups(owner)),
        *((RouteKind.MENU, menu.number) for menu in owner_menus(owner)),
    ]
    found: list[tuple[str, str, tuple[RoutedFrom, ...]]] = []
    for kind, number in targets:
        owned, forwarding = _routes_to(kind, number)
        outside = (
            *(route for route, its in owned if its != theirs),
            *(route for _member_id, route in forwarding),
        )
        if outside:
            found.append((kind, number, outside))
    return found


def company_permissions(company: Company) -> dict[int, OutboundPermission]:
    """member id → their permission, for those the company has set one for."""
    return {
        permission.member_id: permission
        for permission in OutboundPermission.objects.filter(company=company)
    }


def permission_of(company: Company, member: Member) -> OutboundPermission | None:
    return OutboundPermission.objects.filter(company=company, member=member).first()


# ---------------------------------------------------------------------- the PBX's snapshot
@dataclass(frozen=True, slots=True)
class TrunkPlan:
    trunk_id: int
    company_id: int | None  # exactly one of the two
    space_id: int | None
    name: str
    mode: str
    host: str
    port: int
    username: str
    password: str
    register_seconds: int
    peer_addresses: tuple[str, ...]
    caller_id_header: str
    country: str
    presented_number: str  # E.164 shown on calls out ("" when the trunk has no number)
    # A space's trunk: its members without a company trunk may call out through it.
    members_call_out: bool = False


@dataclass(frozen=True, slots=True)
class NumberPlan:
    e164: str
    trunk_id: int
    company_id: int | None  # exactly one of the two
    space_id: int | None
    route_kind: str
    route_target: str
    after_hours_kind: str
    after_hours_target: str
    forward_when: str = ""  # NumberForward
    forward_seconds: int = 0
    forward_kind: str = ""  # a RouteKind, or FORWARD_OUTSIDE
    forward_target: str = ""  # an extension, a ring group, or a number outside in E.164


@dataclass(frozen=True, slots=True)
class Allowance:
    """Where a member may call out to through their company's trunk."""

    classes: frozenset[str]
    daily_minutes: int


DEFAULT_ALLOWANCE = Allowance(frozenset(DEFAULT_CLASSES), DAILY_MINUTES_DEFAULT)


def allowance_of(permission: OutboundPermission | None) -> Allowance:
    if permission is None:
        return DEFAULT_ALLOWANCE
    allowed = {CallClass.INTERNAL}
    for call_class in (
        CallClass.NATIONAL,
        CallClass.MOBILE,
        CallClass.INTERNATIONAL,
        CallClass.PREMIUM,
        CallClass.SATELLITE,
    ):
        if getattr(permission, call_class.value):
            allowed.add(call_class)
    return Allowance(frozenset(str(c) for c in allowed), permission.daily_minutes)


@dataclass(frozen=True, slots=True)
class TrunkSnapshot:
    trunks: dict[int, TrunkPlan] = field(default_factory=dict)
    numbers: dict[str, NumberPlan] = field(default_factory=dict)
    # (company id, member id) → the allowance the company set (absent: the default)
    allowances: dict[tuple[int, int], Allowance] = field(default_factory=dict)
    # member id → their company ids, the primary first
    member_companies: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # member id → the ids of their spaces
    member_spaces: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # company id → its business hours (absent: always open)
    schedules: dict[int, Schedule] = field(default_factory=dict)
    # space id → its business hours (absent: always open)
    space_schedules: dict[int, Schedule] = field(default_factory=dict)

    def trunk_for_member(self, member_id: int) -> TrunkPlan | None:
        """The trunk a member's calls out take: their first company's (primary first)
        that has one, the lowest-numbered trunk of it; without any, the first trunk of
        one of their spaces whose managers let its members call out through it."""
        for company_id in self.member_companies.get(member_id, ()):
            for trunk in self.trunks.values():  # ordered by id
                if trunk.company_id == company_id:
                    return trunk
        spaces = self.member_spaces.get(member_id, ())
        for trunk in self.trunks.values():
            if trunk.members_call_out and trunk.space_id in spaces:
                return trunk
        return None

    def allowance(self, company_id: int | None, member_id: int) -> Allowance:
        """What a company allows one of its people; through a space's trunk, the default
        (no company set it)."""
        if company_id is None:
            return DEFAULT_ALLOWANCE
        return self.allowances.get((company_id, member_id), DEFAULT_ALLOWANCE)

    def schedule_of(self, number: NumberPlan) -> Schedule | None:
        """The business hours of the number's owner (None: it has set none)."""
        if number.space_id is not None:
            return self.space_schedules.get(number.space_id)
        return self.schedules.get(number.company_id) if number.company_id is not None else None

    def judge_call_out(self, member_id: int, number: str, used_seconds: float) -> CallOut | None:
        """The toll-fraud guard's verdict on ``member_id`` calling ``number`` out through
        their company's trunk, having talked ``used_seconds`` out today: None when they
        have no trunk or ``number`` is no telephone number. The one judgement of a call
        out, whoever asks: the PBX for a dialled call or a follow-me branch, the web for
        a click-to-call."""
        trunk = self.trunk_for_member(member_id)
        dialled = read_dialled(number, trunk.country) if trunk is not None else None
        if trunk is None or dialled is None:
            return None
        allowance = self.allowance(trunk.company_id, member_id)
        refusal = ""
        if dialled.call_class not in allowance.classes:
            refusal = str(dialled.call_class)
        elif used_seconds >= allowance.daily_minutes * 60:
            refusal = DAILY_MINUTES_REFUSAL
        daily_seconds = allowance.daily_minutes * 60
        return CallOut(trunk, dialled, refusal, daily_seconds - used_seconds, daily_seconds)


@dataclass(frozen=True, slots=True)
class CallOut:
    """A call out as the guard sees it: through ``trunk`` to ``dialled``; ``refusal`` is
    empty when it may go, else the call class refused or ``DAILY_MINUTES_REFUSAL``;
    ``seconds_left`` of talk today, of ``daily_seconds``."""

    trunk: TrunkPlan
    dialled: Dialled
    refusal: str
    seconds_left: float
    daily_seconds: float


def trunk_snapshot() -> TrunkSnapshot:
    """Everything the PBX needs to route calls through trunks. Nine queries."""
    numbers = list(PhoneNumber.objects.select_related("trunk").order_by("-presented", "id"))
    presented: dict[int, str] = {}
    for number in numbers:
        presented.setdefault(number.trunk_id, number.e164)
    trunks = {
        trunk.pk: TrunkPlan(
            trunk_id=trunk.pk,
            company_id=trunk.company_id,
            space_id=trunk.space_id,
            name=trunk.name,
            mode=trunk.mode,
            host=trunk.host,
            port=trunk.port,
            username=trunk.username,
            password=trunk.password,
            register_seconds=trunk.register_seconds,
            peer_addresses=tuple(a.strip() for a in trunk.peer_addresses.split(",") if a.strip()),
            caller_id_header=trunk.caller_id_header,
            country=trunk.country,
            presented_number=presented.get(trunk.pk, ""),
            members_call_out=trunk.members_call_out,
        )
        for trunk in Trunk.objects.order_by("id")
    }
    plans = {
        number.e164: NumberPlan(
            e164=number.e164,
            trunk_id=number.trunk_id,
            company_id=number.trunk.company_id,
            space_id=number.trunk.space_id,
            route_kind=number.route_kind,
            route_target=number.route_target,
            after_hours_kind=number.after_hours_kind,
            after_hours_target=number.after_hours_target,
            forward_when=number.forward_when,
            forward_seconds=number.forward_seconds,
            forward_kind=number.forward_kind,
            forward_target=number.forward_target,
        )
        for number in numbers
    }
    allowances = {
        (permission.company_id, permission.member_id): allowance_of(permission)
        for permission in OutboundPermission.objects.all()
    }
    companies = {trunk.company_id for trunk in trunks.values()}
    schedules = {key: value for key, value in company_schedules().items() if key in companies}
    spaces = {trunk.space_id for trunk in trunks.values()}
    of_spaces = {key: value for key, value in space_schedules().items() if key in spaces}
    return TrunkSnapshot(
        trunks=trunks,
        numbers=plans,
        allowances=allowances,
        member_companies=company_ids_of_members(),
        member_spaces=space_ids_of_members(),
        schedules=schedules,
        space_schedules=of_spaces,
    )
