"""Template filters of the social pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from officina.accounts.models import Company, Member, Space
from officina.social.models import Follow

register = template.Library()


@register.filter(is_safe=True, needs_autoescape=True)
def post_text(text: str, autoescape: bool = True) -> str:
    """Paragraphs of user text, with links made clickable only when there may be one:
    ``urlize`` is the costliest part of a feed page and most posts have no link."""
    from django.template.defaultfilters import linebreaks_filter, urlize

    if "http" in text or "www." in text or "@" in text:
        return linebreaks_filter(urlize(text, autoescape=autoescape), autoescape=False)
    return linebreaks_filter(text, autoescape=autoescape)


@register.filter
def ago(moment: datetime | None) -> str:
    """“just now” under a minute, else “3 hours ago” (one unit: “2 days”, not “2 days, 4 hours”)."""
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return _("just now")
    return _("%(when)s ago") % {"when": timesince(moment, depth=1)}


@register.inclusion_tag("social/_follow_button.html", takes_context=True)
def follow_button(context: template.Context, target: Company | Space | Member) -> dict[str, Any]:
    """A follow/unfollow button for a company, a space or a member, for other apps' pages:
    ``{% load social_tags %}{% follow_button company %}`` (one query)."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    field = {Company: "company", Space: "space"}.get(type(target), "member")
    shown = bool(viewer is not None and viewer.is_authenticated and viewer != target)
    following = shown and Follow.objects.filter(follower=viewer, **{field: target}).exists()
    if field == "company":
        action = reverse("social:follow_company", args=[target.slug])  # type: ignore[union-attr]
    elif field == "space":
        action = reverse("social:follow_space", args=[target.slug])  # type: ignore[union-attr]
    else:
        action = reverse("social:follow_member", args=[target.pk])
    return {
        "shown": shown,
        "following": following,
        "action": action,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def reaction_buttons(post: Any) -> SafeString:
    """The reaction buttons of a post card (built here rather than in a template loop:
    there are a hundred of them on a feed page)."""
    return format_html_join(
        " ",
        '<button type="submit" name="kind" value="{}" class="reaction{}" title="{}" '
        'aria-pressed="{}"><span aria-hidden="true">{}</span> '
        '<span class="reaction-label">{}</span>{}</button>',
        (
            (
                reaction.kind,
                " mine" if reaction.mine else "",
                reaction.label,
                "true" if reaction.mine else "false",
                reaction.symbol,
                reaction.label,
                format_html(" <strong>{}</strong>", reaction.count) if reaction.count else "",
            )
            for reaction in getattr(post, "reactions_summary", [])
        ),
    )
