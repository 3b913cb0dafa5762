"""Reads of trunks, numbers and outbound permissions: a company's or a space's own, for
their pages, and the snapshot the PBX holds in memory to route calls in and out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from officina.accounts.selectors import company_ids_of_members, owner_field, space_ids_of_members
from officina.ringgroups.selectors import company_schedules, space_schedules

from .dialling import Dialled, read_dialled
from .kinds import DAILY_MINUTES_DEFAULT, DAILY_MINUTES_REFUSAL, DEFAULT_CLASSES, CallClass
from .models import OutboundPermission, PhoneNumber, Trunk

if TYPE_CHECKING:
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
