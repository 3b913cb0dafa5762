"""Reads of the PBX: a member's extension, devices and call history; the registrar's cache."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from officina.pbx.models import CallRecord, Extension, Registration, SipCredential

if TYPE_CHECKING:
    from officina.accounts.models import Member


def get_member_extension(member: Member) -> Extension | None:
    return Extension.objects.filter(member=member, is_active=True).first()


def member_extensions(members: Iterable[Member]) -> list[Extension]:
    """The active extensions of ``members``, in the order of the members' ids."""
    return list(
        Extension.objects.filter(member__in=list(members), is_active=True).order_by("member_id")
    )


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
class DirectoryEntry:
    """What the SIP server needs to know about an extension, held in memory."""

    extension_id: int
    number: str
    display_name: str
    realm: str
    ha1_md5: str
    ha1_sha256: str


def directory_entries(numbers: list[str] | None = None) -> list[DirectoryEntry]:
    """Active extensions with their credentials (all of them, or only ``numbers``)."""
    credentials = SipCredential.objects.filter(extension__is_active=True).select_related(
        "extension__member"
    )
    if numbers is not None:
        credentials = credentials.filter(extension__number__in=numbers)
    return [
        DirectoryEntry(
            extension_id=credential.extension_id,
            number=credential.extension.number,
            display_name=(
                credential.extension.member.display_name if credential.extension.member else ""
            ),
            realm=credential.realm,
            ha1_md5=credential.ha1_md5,
            ha1_sha256=credential.ha1_sha256,
        )
        for credential in credentials
    ]


def live_registrations(now: datetime, *, except_node: str | None = None) -> list[Registration]:
    """Unexpired registrations (all, or those made by other PBX nodes than ``except_node``)."""
    registrations = Registration.objects.filter(expires_at__gt=now)
    if except_node is not None:
        registrations = registrations.exclude(node=except_node)
    return list(registrations)
