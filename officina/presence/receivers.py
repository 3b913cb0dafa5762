"""Presence's answers to what accounts announces."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from officina.accounts.selectors import primary_company_names
from officina.accounts.signals import presence_visibility_changed
from officina.bookings.selectors import claimed_desk_names

from . import live
from .selectors import current_check_in

if TYPE_CHECKING:
    from officina.accounts.models import Member


def announce_again_on_visibility_change(sender: object, *, member: Member, **kwargs: Any) -> None:
    """Send the member's open session again: each listening page shows it, or drops it,
    by the member's new choice (see ``consumers``)."""
    check_in = current_check_in(member)
    if check_in is not None:
        company_name = primary_company_names([member.pk]).get(member.pk, "")
        desk = claimed_desk_names(check_in.space, [member.pk]).get(member.pk, "")
        live.broadcast_arrival(check_in, company_name, desk)


def connect() -> None:
    presence_visibility_changed.connect(
        announce_again_on_visibility_change, dispatch_uid="presence-visibility-changed"
    )
