"""Reads of the PBX: a member's extension, devices and call history; the registrar's cache."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from officina.accounts.names import shown_name
from officina.accounts.selectors import presence_visible_member_ids, primary_company
from officina.contacts.selectors import caller_book
from officina.pbx.models import (
    FORWARDING_CASES,
    CallRecord,
    Extension,
    Forwarding,
    HoldMusic,
    Registration,
    SipCredential,
)

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member
    from officina.contacts.caller_book import CallerIdentity


def get_member_extension(member: Member) -> Extension | None:
    return Extension.objects.filter(member=member, is_active=True).first()


def extension_number_exists(number: str) -> bool:
    return Extension.objects.filter(number=number).exists()


def member_extensions(members: Iterable[Member]) -> list[Extension]:
    """The active extensions of ``members``, in the order of the members' ids."""
    return list(
        Extension.objects.filter(member__in=list(members), is_active=True).order_by("member_id")
    )


def extension_members(numbers: Iterable[str]) -> dict[str, int]:
    """extension number → its member's id, for the active members' extensions among
    ``numbers``."""
    return dict(
        Extension.objects.filter(
            number__in=list(numbers), is_active=True, member__isnull=False
        ).values_list("number", "member_id")
    )


def start_of_today() -> datetime:
    """Midnight in the site's time zone: the toll-fraud guard's minutes count from it."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.now().astimezone(zone).date()
    return datetime.combine(today, time(0), zone)


def outbound_seconds_since(since: datetime) -> dict[int, float]:
    """extension id → seconds talked through a trunk on its daily minutes since
    ``since`` (the toll-fraud guard's allowance): its calls out, its forwards outside and
    its follow-me answered outside."""
    seconds: dict[int, float] = {}
    for charged_id, answered, ended in CallRecord.objects.filter(
        charged_to__isnull=False, answered_at__gte=since, ended_at__isnull=False
    ).values_list("charged_to_id", "answered_at", "ended_at"):
        if charged_id is not None and answered is not None and ended is not None:
            seconds[charged_id] = seconds.get(charged_id, 0.0) + (ended - answered).total_seconds()
    return seconds


def extension_holder_name(number: str) -> str:
    """The display name of the member whose active extension is ``number`` ("" if none)."""
    extension = (
        Extension.objects.filter(number=number, is_active=True, member__isnull=False)
        .select_related("member")
        .first()
    )
    return extension.member.display_name if extension is not None and extension.member else ""


def extension_registrations(extension: Extension, now: datetime) -> QuerySet[Registration]:
    return extension.registrations.filter(expires_at__gt=now).order_by("-registered_at")


def extension_call_history(extension: Extension, limit: int = 50) -> QuerySet[CallRecord]:
    """Calls made or received by ``extension``, newest first."""
    return (
        CallRecord.objects.filter(Q(caller=extension) | Q(callee=extension))
        .select_related("caller__member", "callee__member")
        .order_by("-started_at", "-id")[:limit]
    )


@dataclass(frozen=True, slots=True)
class CallHistoryRow:
    call: CallRecord
    # For an incoming call: who called, as the member's companies' address books know them.
    caller_identity: CallerIdentity | None = None


def named_call_history(extension: Extension, limit: int = 50) -> list[CallHistoryRow]:
    """``extension_call_history`` with the callers of incoming calls named from the address
    books of the member's companies, as their phones showed them."""
    calls = list(extension_call_history(extension, limit))
    incoming = [call for call in calls if call.callee_id == extension.pk]
    if extension.member_id is None or not incoming:
        return [CallHistoryRow(call) for call in calls]
    callers = {call.pk: call.caller.member if call.caller else None for call in incoming}
    book = caller_book(
        [extension.member_id], [member.pk for member in callers.values() if member is not None]
    )
    rows = []
    for call in calls:
        identity = None
        if call.pk in callers:
            member = callers[call.pk]
            identity = book.identify(
                extension.member_id,
                member.pk if member is not None else None,
                member.display_name if member is not None else "",
                call.caller_number,
            )
        rows.append(CallHistoryRow(call, identity))
    return rows


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """What the SIP server needs to know about an extension, held in memory."""

    extension_id: int
    number: str
    display_name: str
    realm: str
    ha1_md5: str
    ha1_sha256: str
    member_id: int | None = None
    language: str = ""  # the member's interface language; empty follows the site's


def directory_entries(numbers: list[str] | None = None) -> list[DirectoryEntry]:
    """Active extensions with their credentials (all of them, or only ``numbers``)."""
    credentials = SipCredential.objects.filter(extension__is_active=True)
    if numbers is not None:
        credentials = credentials.filter(extension__number__in=numbers)
    # Plain rows, not model instances: the PBX re-reads every extension every few
    # seconds on a thread that shares the interpreter with the proxy, and building a
    # credential, an extension and a member (with every field converted) per row cost
    # about three quarters of that read.
    rows = credentials.values_list(
        "extension_id",
        "extension__number",
        "realm",
        "ha1_md5",
        "ha1_sha256",
        "extension__member_id",
        "extension__member__first_name",
        "extension__member__last_name",
        "extension__member__email",
        "extension__member__language",
    )
    return [
        DirectoryEntry(
            extension_id=extension_id,
            number=number,
            display_name=(
                shown_name(first_name, last_name, email) if member_id is not None else ""
            ),
            realm=realm,
            ha1_md5=ha1_md5,
            ha1_sha256=ha1_sha256,
            member_id=member_id,
            language=language if member_id is not None else "",
        )
        for (
            extension_id,
            number,
            realm,
            ha1_md5,
            ha1_sha256,
            member_id,
            first_name,
            last_name,
            email,
            language,
        ) in rows
    ]


def live_registrations(now: datetime, *, except_node: str | None = None) -> list[Registration]:
    """Unexpired registrations (all, or those made by other PBX nodes than ``except_node``)."""
    registrations = Registration.objects.filter(expires_at__gt=now)
    if except_node is not None:
        registrations = registrations.exclude(node=except_node)
    return list(registrations)


@dataclass(frozen=True, slots=True)
class ForwardingRule:
    """Where one extension's calls are forwarded, as the SIP server holds it."""

    always: str = ""
    busy: str = ""
    no_answer: str = ""
    no_answer_seconds: int = 20
    unregistered: str = ""
    follow_me: str = ""
    follow_me_seconds: int = 15

    def __bool__(self) -> bool:
        return bool(
            self.always or self.busy or self.no_answer or self.unregistered or self.follow_me
        )


def forwarding_rules() -> dict[int, ForwardingRule]:
    """Extension id → its forwarding, for the extensions that forward anything."""
    rules = {}
    for forwarding in Forwarding.objects.filter(extension__is_active=True):
        rule = forwarding_rule(forwarding)
        if rule:
            rules[forwarding.extension_id] = rule
    return rules


def forwarding_rule(forwarding: Forwarding) -> ForwardingRule:
    return ForwardingRule(
        always=forwarding.always,
        busy=forwarding.busy,
        no_answer=forwarding.no_answer,
        no_answer_seconds=forwarding.no_answer_seconds,
        unregistered=forwarding.unregistered,
        follow_me=forwarding.follow_me,
        follow_me_seconds=forwarding.follow_me_seconds,
    )


def extension_forwarding(extension: Extension) -> Forwarding | None:
    return Forwarding.objects.filter(extension=extension).first()


def extensions_with_forwarding(
    members: Iterable[Member],
) -> dict[int, tuple[Extension, Forwarding | None]]:
    """member id → (their active extension, its forwarding if any stored), for those of
    ``members`` who have one. One query."""
    extensions = Extension.objects.filter(member__in=list(members), is_active=True).select_related(
        "forwarding"
    )
    found = {}
    for extension in extensions:
        forwarding = getattr(extension, "forwarding", None)
        assert extension.member_id is not None  # filtered on its member
        found[extension.member_id] = (extension, forwarding)
    return found


def forwarding_holders_to(number: str) -> list[tuple[int, str, str]]:
    """(member's id, their display name, their extension) of each active extension whose call
    forwarding, in any case (always, busy, not answered, no phone connected, follow-me),
    sends calls to ``number``; by extension. One query."""
    targets = Q()
    for case in FORWARDING_CASES:
        targets |= Q(**{case: number})
    forwardings = (
        Forwarding.objects.filter(
            targets, extension__is_active=True, extension__member__isnull=False
        )
        .select_related("extension__member")
        .order_by("extension__number")
    )
    return [
        (
            forwarding.extension.member.pk,
            forwarding.extension.member.display_name,
            forwarding.extension.number,
        )
        for forwarding in forwardings
        if forwarding.extension.member is not None
    ]


# A call whose hang-up never reached the proxy is not shown as going on forever: the
# proxy itself closes such records after this long (ProxyPolicy.dialog_lifetime).
LONGEST_CALL = timedelta(hours=4)


def members_on_a_call(member_ids: Iterable[int], now: datetime) -> set[int]:
    """Which of ``member_ids`` are on an answered call that has not ended."""
    ids = list(member_ids)
    if not ids:
        return set()
    wanted = set(ids)
    pairs = CallRecord.objects.filter(
        Q(caller__member_id__in=ids) | Q(callee__member_id__in=ids),
        answered_at__isnull=False,
        ended_at__isnull=True,
        started_at__gte=now - LONGEST_CALL,
    ).values_list("caller__member_id", "callee__member_id")
    return {member_id for pair in pairs for member_id in pair if member_id in wanted}


def members_on_a_call_shown_to(
    viewer: Member, member_ids: Iterable[int], now: datetime
) -> set[int]:
    """Which of ``member_ids`` ``viewer`` may see on a call: being on the phone is
    presence, so only those whose presence ``viewer`` may see (the directory, profiles)."""
    return members_on_a_call(presence_visible_member_ids(viewer, member_ids), now)


def company_hold_music(company: Company) -> HoldMusic | None:
    return HoldMusic.objects.filter(company=company).first()


def hold_music_file_of_extension(number: str) -> str | None:
    """The file of the hold music a member's call plays when they hold it: their
    primary company's own music (None: the built-in chime)."""
    extension = (
        Extension.objects.filter(number=number, is_active=True, member__isnull=False)
        .select_related("member")
        .first()
    )
    if extension is None or extension.member is None:
        return None
    company = primary_company(extension.member)
    music = company_hold_music(company) if company is not None else None
    return music.audio.path if music is not None else None
