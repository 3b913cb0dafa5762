"""The PBX's answers to what other apps announce."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from officina.accounts.signals import member_signed_up, members_signed_up
from officina.pbx.actions import do_provision_extension, do_provision_extensions

if TYPE_CHECKING:
    from officina.accounts.models import Member


def provision_extension_on_sign_up(sender: object, *, member: Member, **kwargs: Any) -> None:
    """Every member is reachable from day one: an extension comes with the account,
    in the sign-up transaction."""
    do_provision_extension(member)


def provision_extensions_on_sign_up(
    sender: object, *, members: Sequence[Member], **kwargs: Any
) -> None:
    """The same for a bulk sign-up, numbered in the members' order."""
    do_provision_extensions(members)


def connect() -> None:
    member_signed_up.connect(
        provision_extension_on_sign_up, dispatch_uid="pbx-extension-on-sign-up"
    )
    members_signed_up.connect(
        provision_extensions_on_sign_up, dispatch_uid="pbx-extensions-on-sign-up"
    )
