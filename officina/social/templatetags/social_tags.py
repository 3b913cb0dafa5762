"""Template filters of the social pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
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


# Stands for a post's or a member's id in a URL reversed once, then filled in per post.
_ID_MARK = 987654321
_VERSION_MARK = "avatarversionmark"


@dataclass(frozen=True)
class PostLinks:
    author: str
    post: str
    react: str
    avatar: str  # "" when the author has no picture


@cache
def _post_url_patterns(script_prefix: str, urlconf: str | None) -> tuple[str, str, str, str]:
    """The post card's URLs reversed once per script prefix and URL configuration, with
    marks where the ids go: a feed page has about a hundred of them, and ``reverse`` is
    most of their cost."""
    return (
        reverse("social:profile", args=[_ID_MARK], urlconf=urlconf),
        reverse("social:post", args=[_ID_MARK], urlconf=urlconf),
        reverse("social:post_react", args=[_ID_MARK], urlconf=urlconf),
        reverse("social:avatar", args=[_ID_MARK, "thumb", _VERSION_MARK], urlconf=urlconf),
    )


@register.simple_tag
def post_links(post: Any) -> PostLinks:
    """The links of a post card: ``{% post_links post as links %}`` (the same URLs as
    ``{% url %}`` would give, without reversing each one)."""
    author_url, post_url, react_url, avatar_url = _post_url_patterns(
        get_script_prefix(), get_urlconf()
    )
    mark = str(_ID_MARK)
    author = post.author
    profile = getattr(author, "profile", None)
    avatar = ""
    if profile is not None and profile.avatar_thumbnail:
        version = profile.avatar_version
        if version.isalnum():
            avatar = avatar_url.replace(mark, str(author.pk)).replace(_VERSION_MARK, version)
        else:  # a name that the URL would escape: leave it to reverse
            avatar = reverse("social:avatar", args=[author.pk, "thumb", version])
    return PostLinks(
        author=author_url.replace(mark, str(post.author_id)),
        post=post_url.replace(mark, str(post.pk)),
        react=react_url.replace(mark, str(post.pk)),
        avatar=avatar,
    )
