"""``{% pbx_profile_panel member %}`` for profile pages, who is on a call (who's here,
the directory, profiles), a call-duration filter and a relation label filter for named
callers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import template
from django.utils import timezone

from officina.accounts.kinds import RelationKind
from officina.accounts.signed_in import signed_in_member
from officina.pbx.selectors import (
    extension_registrations,
    get_member_extension,
    members_on_a_call,
    members_on_a_call_shown_to,
    named_call_history,
)
from officina.pbx.views import sip_connection_settings
from officina.ringgroups.selectors import owner_ring_groups
from officina.trunks.selectors import owner_numbers

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member

register = template.Library()

PROFILE_HISTORY_LENGTH = 10


@register.inclusion_tag("pbx/profile_panel.html", takes_context=True)
def pbx_profile_panel(context: template.Context, member: Member) -> dict[str, Any]:
    """The member's extension for everyone; SIP settings and call history for the member only."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    is_self = bool(viewer is not None and viewer.is_authenticated and viewer.pk == member.pk)
    extension = get_member_extension(member)
    signed_in = bool(viewer is not None and viewer.is_authenticated)
    panel: dict[str, Any] = {
        "request": request,  # for the "Call" button, which asks who is viewing
        "member": member,
        "extension": extension,
        "is_self": is_self,
        "viewer_signed_in": signed_in,
    }
    if is_self and extension is not None and request is not None:
        panel.update(
            sip=sip_connection_settings(request),
            registrations=list(extension_registrations(extension, timezone.now())),
            calls=named_call_history(extension, limit=PROFILE_HISTORY_LENGTH),
        )
    return panel


@register.filter
def pbx_duration(value: timedelta) -> str:
    """A call's talk time as m:ss or h:mm:ss."""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


@register.filter
def relation_label(value: str) -> str:
    """A relation's value ("supplier") as the member reads it ("fornitore")."""
    try:
        return str(RelationKind(value).label)
    except ValueError:
        return value


@register.simple_tag
def members_on_a_call_of(people: list[dict[str, Any]]) -> set[int]:
    """``{% members_on_a_call_of people as on_call %}``: who of a who's-here list (the
    payloads ``presence.live`` renders) is on a call now."""
    return members_on_a_call((person["id"] for person in people), timezone.now())


@register.simple_tag(takes_context=True)
def members_on_a_call_shown_to_viewer(
    context: template.Context, members: Iterable[Member]
) -> set[int]:
    """``{% members_on_a_call_shown_to_viewer page.object_list as on_call %}``: the ids of
    ``members`` the signed-in viewer may see on a call (the directory)."""
    viewer = signed_in_member(context["request"])
    return members_on_a_call_shown_to(viewer, (member.pk for member in members), timezone.now())


@register.simple_tag(takes_context=True)
def on_a_call_shown_to_viewer(context: template.Context, member: Member) -> bool:
    """``{% on_a_call_shown_to_viewer profile_member as on_call %}``: whether the
    signed-in viewer may see ``member`` on a call now (a profile)."""
    return bool(members_on_a_call_shown_to_viewer(context, [member]))


@register.inclusion_tag("pbx/click_to_call.html", takes_context=True)
def click_to_call(context: template.Context, number: str, name: str) -> dict[str, Any]:
    """``{% click_to_call number name %}``: the "Call" button that rings the viewer's own
    phone and puts them through to ``number``; nothing for a viewer without an extension
    (one read per page, kept on the request), nor for their own number."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    own = ""
    if request is not None and viewer is not None and viewer.is_authenticated:
        if not hasattr(request, "_click_to_call_from"):
            extension = get_member_extension(viewer)
            request._click_to_call_from = extension.number if extension is not None else ""
        own = request._click_to_call_from
    return {
        "request": request,
        "shown": bool(own and number and number != own),
        "number": number,
        "name": name,
    }


@register.simple_tag
def company_phone_number(company: Company) -> str:
    """The number a company page's "Call" button dials: its first ring group (the
    company's own people, inside the PBX), else the number it shows on calls out."""
    group = owner_ring_groups(company).first()
    if group is not None:
        return group.number
    number = owner_numbers(company).order_by("-presented", "id").first()
    return number.e164 if number is not None else ""
