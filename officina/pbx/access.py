"""The one path to a member's PBX data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from officina.accounts.models import Member
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.actions import do_provision_extension
from officina.pbx.models import Extension


def access_own_extension_by_member(member: Member) -> Extension:
    """The signed-in member's own extension, made on first use."""
    if not member.is_authenticated or not member.is_active:
        raise OfficinaError(_("No such extension."), ErrorCode.NOT_FOUND)
    extension = do_provision_extension(member)
    if not extension.is_active:
        raise OfficinaError(_("No such extension."), ErrorCode.NOT_FOUND)
    return extension
