"""Set up the trunks and numbers of a company or a space, and a company's outbound
permissions; record what the PBX heard from a provider about our registration.

``check_*`` validate everything first and change nothing on an error.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import phonenumbers
from django.db import transaction
from django.utils.translation import gettext as _

from officina.accounts.selectors import (
    hold_owner_while_adding,
    lock_owners_for_removal,
    owner_field,
    owner_people_ids,
)
from officina.attendant.selectors import lock_menus, owner_menus
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.selectors import extension_members
from officina.ringgroups.selectors import lock_ring_groups, owner_ring_groups

from .dialling import read_dialled
from .kinds import (
    DAILY_MINUTES_MAX,
    FORWARD_KIND_VALUES,
    FORWARD_OUTSIDE,
    FORWARD_SECONDS_DEFAULT,
    FORWARD_SECONDS_MAX,
    FORWARD_SECONDS_MIN,
    MAX_PEER_ADDRESSES,
    NAME_MAX_LENGTH,
    NUMBER_FORWARD_CLASSES,
    REGISTER_SECONDS_MAX,
    REGISTER_SECONDS_MIN,
    CallClass,
    CallerIdHeader,
    NumberForward,
    RouteKind,
    TrunkMode,
)
from .models import OutboundPermission, PhoneNumber, Trunk
from .selectors import number_is_taken, routed_to, routed_to_from_outside

if TYPE_CHECKING:
    from collections.abc import Iterable

    from officina.accounts.models import Company, Member
    from officina.accounts.selectors import PhoneOwner

# A host name (RFC 1123 labels) or an IPv4 address; IPv6 is given in brackets.
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_SIP_TOKEN = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=%-]{1,128}$")


@dataclass
class TrunkInput:
    name: str
    host: str
    mode: str = TrunkMode.REGISTER
    port: int = 5060
    username: str = ""
    password: str = ""  # empty on a change: the password stays as it was
    register_seconds: int = 600
    peer_addresses: str = ""
    caller_id_header: str = CallerIdHeader.PAI
    country: str = "IT"
    members_call_out: bool = False  # a space's trunk only


def _clean_host(text: str) -> str:
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            pass
        else:
            return host
    if not _HOST.match(host):
        raise OfficinaError.invalid_input(
            _("Give the provider's server as a host name or an address, e.g. sip.example.it."),
            field="host",
        )
    return host.lower()


def _clean_addresses(text: str) -> str:
    addresses = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if len(addresses) > MAX_PEER_ADDRESSES:
        raise OfficinaError.invalid_input(
            _("At most %(limit)s addresses.") % {"limit": MAX_PEER_ADDRESSES},
            field="peer_addresses",
        )
    cleaned = []
    for address in addresses:
        try:
            cleaned.append(str(ipaddress.ip_address(address)))
        except ValueError:
            raise OfficinaError.invalid_input(
                _("“%(address)s” is not an IP address.") % {"address": address[:40]},
                field="peer_addresses",
            ) from None
    return ", ".join(cleaned)


def _check_trunk(owner: PhoneOwner, data: TrunkInput, trunk: Trunk | None) -> TrunkInput:
    name = " ".join(data.name.split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise OfficinaError.invalid_input(
            _("Give the trunk a name of at most %(limit)s characters.")
            % {"limit": NAME_MAX_LENGTH},
            field="name",
        )
    if data.mode not in TrunkMode.values:
        raise OfficinaError.invalid_input(_("Unknown kind of trunk."), field="mode")
    host = _clean_host(data.host)
    if not 1 <= data.port <= 65535:
        raise OfficinaError.invalid_input(_("A port is from 1 to 65535."), field="port")
    username = data.username.strip()
    if username and not _SIP_TOKEN.match(username):
        raise OfficinaError.invalid_input(
            _("The user name has characters a SIP provider cannot take."), field="username"
        )
    password = data.password
    if len(password) > 128 or any(ord(c) < 32 for c in password):
        raise OfficinaError.invalid_input(
            _("At most 128 characters, on one line."), field="password"
        )
    keeps_password = bool(trunk is not None and trunk.password and not password)
    if data.mode == TrunkMode.REGISTER:
        if not username:
            raise OfficinaError.invalid_input(
                _("A trunk that registers needs the user name the provider gave you."),
                field="username",
            )
        if not password and not keeps_password:
            raise OfficinaError.invalid_input(
                _("A trunk that registers needs the provider's password."), field="password"
            )
    if not REGISTER_SECONDS_MIN <= data.register_seconds <= REGISTER_SECONDS_MAX:
        raise OfficinaError.invalid_input(
            _("Between %(min)s and %(max)s seconds.")
            % {"min": REGISTER_SECONDS_MIN, "max": REGISTER_SECONDS_MAX},
            field="register_seconds",
        )
    addresses = _clean_addresses(data.peer_addresses)
    if data.caller_id_header not in CallerIdHeader.values:
        raise OfficinaError.invalid_input(
            _("Unknown way of sending the caller ID."), field="caller_id_header"
        )
    country = data.country.strip().upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise OfficinaError.invalid_input(
            _("Give the country as its two-letter code, e.g. IT."), field="country"
        )
    if data.members_call_out and owner_field(owner) != "space":
        raise OfficinaError.invalid_input(
            _(
                "Only a space's trunk is shared with its members; a company sets "
                "each person's calls out."
            ),
            field="members_call_out",
        )
    return TrunkInput(
        name=name, host=host, mode=data.mode, port=data.port, username=username,
        password=password, register_seconds=data.register_seconds, peer_addresses=addresses,
        caller_id_header=data.caller_id_header, country=country,
        members_call_out=data.members_call_out,
    )  # fmt: skip


def check_save_trunk(owner: PhoneOwner, data: TrunkInput, trunk: Trunk | None = None) -> Trunk:
    """Make a trunk for ``owner`` (a company or a space), or change ``trunk`` (an empty
    password keeps it)."""
    clean = _check_trunk(owner, data, trunk)
    if trunk is None:
        trunk = Trunk(**{owner_field(owner): owner})
    for name in (
        "name", "mode", "host", "port", "username", "register_seconds", "peer_addresses",
        "caller_id_header", "country", "members_call_out",
    ):  # fmt: skip
        setattr(trunk, name, getattr(clean, name))
    if clean.password:
        trunk.password = clean.password
    if clean.mode == TrunkMode.PEER:
        trunk.status = Trunk.Status.NONE
    trunk.save()
    return trunk


def do_delete_trunk(trunk: Trunk) -> None:
    trunk.delete()


def hold_route_targets(
    numbers: Iterable[str],
    *,
    menu_id: int | None = None,
    group_id: int | None = None,
    owners: Iterable[PhoneOwner] = (),
) -> tuple[dict[int, str], dict[int, str]]:
    """Row-lock, until the transaction ends, the ring groups and the menus ``numbers``
    name, the group ``group_id`` or the menu ``menu_id`` itself, and every group and
    menu of ``owners``; their id → number as they are now (groups, menus). Whatever
    routes calls to a menu or a group takes this lock before it checks its target and
    saves, and the removal or renumbering of the menu or group takes it before it asks
    ``routed_to``: one waits for the other, and each sees what the other committed (on
    PostgreSQL; SQLite's write transactions are serialised already). Groups before
    menus, each by id: one order for everyone, so two never wait for each other."""
    wanted = {number.strip() for number in numbers if number and number.strip()}
    owners = list(owners)
    return (
        lock_ring_groups(wanted, group_id=group_id, owners=owners),
        lock_menus(wanted, menu_id=menu_id, owners=owners),
    )


def refuse_if_routed_to(
    kind: str, number: str, *, seen_by: PhoneOwner | None, field: str = ""
) -> None:
    """Refuse to remove (no ``field``: a conflict) or renumber (the error on ``field``)
    the menu or ring group ``number`` (``kind`` a ``RouteKind``) while calls are routed
    to it: they would find nothing there (480). The refusal names only what ``seen_by``
    may see (``routed_to``). Asked inside the transaction that removes or renumbers it,
    after ``hold_route_targets`` locked it."""
    routes = routed_to(kind, number, seen_by=seen_by)
    if not routes:
        return
    message = _("In use: calls come here from %(routes)s. Send them elsewhere first.") % {
        "routes": ", ".join(routes)
    }
    if field:
        raise OfficinaError.invalid_input(message, field=field)
    raise OfficinaError(message, ErrorCode.CONFLICT)


def hold_owners_for_removal(owners: Iterable[PhoneOwner]) -> None:
    """Row-lock, until the transaction ends, the companies and spaces ``owners`` about to
    be removed (``lock_owners_for_removal``: nothing is made for them meanwhile), then
    all their ring groups and menus at once (``hold_route_targets``: groups before menus,
    each by id across every owner, the order every save takes them in, so a save never
    waits for a removal that waits for it). Then ask ``refuse_removal_if_routed_to`` of
    each. Asked inside the transaction that removes them."""
    owners = list(owners)
    lock_owners_for_removal(owners)
    # By owner, not by the numbers they have now: one renumbered meanwhile is locked too.
    hold_route_targets([], owners=owners)


def refuse_removal_if_routed_to(owner: PhoneOwner) -> None:
    """Refuse (a conflict naming every route: only the Django admin's staff remove an
    owner) while calls are routed to a ring group or menu of ``owner`` from outside it
    (``routed_to_from_outside``): removing it would take its groups and menus, and leave
    those routes sending calls to nothing. Its own numbers, menus' keys and groups'
    overflow go with it. Asked once ``hold_owners_for_removal`` holds it: a route saved
    meanwhile waits for the removal, and is refused."""
    found = routed_to_from_outside(owner)
    if not found:
        return
    said = []
    for kind, number, routes in found:
        where = _("ring group %(number)s") if kind == RouteKind.RING_GROUP else _("menu %(number)s")
        said.append(
            _("%(where)s from %(routes)s")
            % {
                "where": where % {"number": number},
                "routes": ", ".join(str(route) for route in routes),
            }
        )
    raise OfficinaError(
        _("In use from outside: calls come to %(targets)s. Send them elsewhere first.")
        % {"targets": "; ".join(said)},
        ErrorCode.CONFLICT,
    )


def hold_owner_for_removal(owner: PhoneOwner) -> None:
    """``hold_owners_for_removal`` and ``refuse_removal_if_routed_to`` for one company or
    space, inside the transaction that removes it."""
    hold_owners_for_removal([owner])
    refuse_removal_if_routed_to(owner)


def hold_owner_for_adding(owner: PhoneOwner) -> None:
    """Hold ``owner`` (a company or a space) until the transaction ends while a ring
    group, a menu or a number is made for it (``hold_owner_while_adding``), and refuse
    when it was removed meanwhile. Asked first, before the groups and menus are locked
    (``hold_route_targets``): the order its removal takes them in. Without it a group
    made between the removal's check and its commit, and routed to from outside at once,
    would go with the owner and leave that route sending calls to nothing."""
    if not hold_owner_while_adding(owner):
        message = (
            _("The space %(name)s was removed meanwhile: nothing was saved.")
            if owner_field(owner) == "space"
            else _("The company %(name)s was removed meanwhile: nothing was saved.")
        )
        raise OfficinaError(message % {"name": owner.name}, ErrorCode.NOT_FOUND)


@dataclass
class NumberInput:
    number: str
    trunk_id: int
    route_kind: str
    route_target: str
    after_hours_kind: str = ""
    after_hours_target: str = ""
    presented: bool = False
    forward_when: str = NumberForward.NEVER
    forward_seconds: int = FORWARD_SECONDS_DEFAULT
    forward_kind: str = ""
    forward_target: str = ""


def _check_target(owner: PhoneOwner, kind: str, target: str, field: str) -> str:
    """Where ``owner``'s number may ring: a ring group or an auto-attendant menu of
    ``owner``, or the extension (or its voicemail) of one of its people (a company's) or
    members (a space's)."""
    target = target.strip()
    of_a_space = owner_field(owner) == "space"
    if kind not in RouteKind.values:
        raise OfficinaError.invalid_input(_("Choose where the calls go."), field=f"{field}_kind")
    if kind in (RouteKind.RING_GROUP, RouteKind.MENU):
        if kind == RouteKind.RING_GROUP:
            known = owner_ring_groups(owner).filter(number=target).exists()
            message = (
                _("%(number)s is not a ring group of this space.")
                if of_a_space
                else _("%(number)s is not a ring group of your company.")
            )
        else:
            known = owner_menus(owner).filter(number=target).exists()
            message = (
                _("%(number)s is not an auto-attendant menu of this space.")
                if of_a_space
                else _("%(number)s is not an auto-attendant menu of your company.")
            )
        if not known:
            raise OfficinaError.invalid_input(
                message % {"number": target[:8]}, field=f"{field}_target"
            )
        return target
    holder = extension_members([target]).get(target)
    if holder is None or holder not in owner_people_ids(owner):
        message = (
            _("%(number)s is not the extension of a member of this space.")
            if of_a_space
            else _("%(number)s is not the extension of one of your company's people.")
        )
        raise OfficinaError.invalid_input(message % {"number": target[:8]}, field=f"{field}_target")
    return target


def _check_forward(owner: PhoneOwner, trunk: Trunk, data: NumberInput) -> tuple[str, str]:
    """The number's forwarding as stored: (kind, target), a number outside in E.164."""
    if data.forward_when not in NumberForward.values:
        raise OfficinaError.invalid_input(
            _("Choose when calls are forwarded."), field="forward_when"
        )
    if not data.forward_when:
        return "", ""
    if (
        data.forward_when == NumberForward.NO_ANSWER
        and not FORWARD_SECONDS_MIN <= data.forward_seconds <= FORWARD_SECONDS_MAX
    ):
        raise OfficinaError.invalid_input(
            _("Between %(min)s and %(max)s seconds.")
            % {"min": FORWARD_SECONDS_MIN, "max": FORWARD_SECONDS_MAX},
            field="forward_seconds",
        )
    if data.forward_kind not in FORWARD_KIND_VALUES:
        raise OfficinaError.invalid_input(
            _("Choose where forwarded calls go."), field="forward_kind"
        )
    if data.forward_kind != FORWARD_OUTSIDE:
        return data.forward_kind, _check_target(
            owner, data.forward_kind, data.forward_target, "forward"
        )
    text = "".join(data.forward_target.replace("-", " ").split())
    dialled = read_dialled(text, trunk.country) if text else None
    if dialled is None:
        raise OfficinaError.invalid_input(
            _("“%(number)s” is not a valid number.") % {"number": text[:40]},
            field="forward_target",
        )
    if dialled.call_class not in NUMBER_FORWARD_CLASSES:
        raise OfficinaError.invalid_input(
            _(
                "%(number)s is a number of the class “%(class)s”: a company number is "
                "forwarded only to national numbers and mobiles."
            )
            % {"number": dialled.e164, "class": CallClass(dialled.call_class).label},
            field="forward_target",
        )
    return FORWARD_OUTSIDE, dialled.e164


def check_save_number(
    owner: PhoneOwner, data: NumberInput, number: PhoneNumber | None = None
) -> PhoneNumber:
    """Add a number (DID) on one of the trunks of ``owner`` (a company or a space), or
    change ``number``."""
    with transaction.atomic():
        return do_save_number(hold_and_check_number(owner, data, number or PhoneNumber()))


def hold_and_check_number(owner: PhoneOwner, data: NumberInput, number: PhoneNumber) -> PhoneNumber:
    """Check ``data`` for ``owner``'s ``number`` (a new ``PhoneNumber()`` to add one) and
    set it on ``number``, not saved yet; inside the transaction that saves it
    (``do_save_number``), so that the menus and groups it routes to, row-locked here
    (``hold_route_targets``), stay until it is saved, and ``number`` itself, row-locked
    too, is not removed meanwhile (saving it would make it again); a new one's owner is
    held (``hold_owner_for_adding``). The page, the API and the admin (while validating
    its form, in the transaction of its change view) ask this."""
    if number.pk is None:
        hold_owner_for_adding(owner)
    hold_route_targets([data.route_target, data.after_hours_target, data.forward_target])
    # After the groups and menus: numbers come last in the one order of every lock.
    if number.pk is not None and not list(
        PhoneNumber.objects.select_for_update().filter(pk=number.pk).values("pk")
    ):
        raise OfficinaError(
            _("This number was removed meanwhile: nothing was saved."), ErrorCode.NOT_FOUND
        )
    trunk = Trunk.objects.filter(**{owner_field(owner): owner}, pk=data.trunk_id).first()
    if trunk is None:
        raise OfficinaError.invalid_input(_("Choose one of your trunks."), field="trunk")
    dialled = read_dialled("".join(data.number.replace("-", " ").split()), trunk.country)
    if dialled is None:
        raise OfficinaError.invalid_input(
            _("“%(number)s” is not a valid number.") % {"number": data.number[:40]},
            field="number",
        )
    if number_is_taken(dialled.e164, except_number=number):
        raise OfficinaError.invalid_input(
            _("%(number)s is already on Officina.") % {"number": dialled.e164}, field="number"
        )
    target = _check_target(owner, data.route_kind, data.route_target, "route")
    after_kind, after_target = "", ""
    if data.after_hours_kind:
        after_kind = data.after_hours_kind
        after_target = _check_target(
            owner, data.after_hours_kind, data.after_hours_target, "after_hours"
        )
    forward_kind, forward_target = _check_forward(owner, trunk, data)
    number.trunk = trunk
    number.e164 = dialled.e164
    number.route_kind = data.route_kind
    number.route_target = target
    number.after_hours_kind = after_kind
    number.after_hours_target = after_target
    number.presented = data.presented
    number.forward_when = data.forward_when
    number.forward_seconds = data.forward_seconds
    number.forward_kind = forward_kind
    number.forward_target = forward_target
    return number


def do_save_number(number: PhoneNumber) -> PhoneNumber:
    """Save ``number`` as ``hold_and_check_number`` set it; the one number its trunk
    presents as caller ID when it is."""
    if number.presented:
        PhoneNumber.objects.filter(trunk=number.trunk, presented=True).exclude(pk=number.pk).update(
            presented=False
        )
    number.save()
    return number


def do_delete_number(number: PhoneNumber) -> None:
    number.delete()


@dataclass
class PermissionInput:
    national: bool = True
    mobile: bool = True
    international: bool = False
    premium: bool = False
    satellite: bool = False
    daily_minutes: int = 60


def check_set_permission(
    company: Company, member: Member, data: PermissionInput
) -> OutboundPermission:
    if member.pk not in owner_people_ids(company):
        raise OfficinaError.invalid_input(
            _("Only your company's people call out through its trunks."), field="member"
        )
    if not 0 <= data.daily_minutes <= DAILY_MINUTES_MAX:
        raise OfficinaError.invalid_input(
            _("From 0 to %(max)s minutes a day.") % {"max": DAILY_MINUTES_MAX},
            field="daily_minutes",
        )
    permission, _created = OutboundPermission.objects.update_or_create(
        company=company,
        member=member,
        defaults={
            "national": data.national,
            "mobile": data.mobile,
            "international": data.international,
            "premium": data.premium,
            "satellite": data.satellite,
            "daily_minutes": data.daily_minutes,
        },
    )
    return permission


def do_record_registration(
    trunk_id: int,
    status: str,
    last_response: str,
    checked_at: datetime,
    registered_until: datetime | None,
) -> None:
    """What the PBX heard from the provider about a trunk's registration."""
    Trunk.objects.filter(pk=trunk_id).update(
        status=status,
        last_response=last_response[:200],
        checked_at=checked_at,
        registered_until=registered_until,
    )
