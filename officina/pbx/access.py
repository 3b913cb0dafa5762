"""The one path to a member's PBX data. Reads only: provisioning is an action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.selectors import get_member_extension

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.pbx.models import Extension


def access_own_extension_by_member(member: Member) -> Extension:
    """The signed-in member's own active extension."""
    if not member.is_authenticated or not member.is_active:
        raise OfficinaError(_("No such extension."), ErrorCode.NOT_FOUND)
    extension = get_member_extension(member)
    if extension is None or not extension.is_active:
        raise OfficinaError(_("No such extension."), ErrorCode.NOT_FOUND)
    return extension
