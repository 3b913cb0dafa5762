"""Template filters of the social pages."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from officina.social.models import Follow

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member, Space

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
    field = target._meta.model_name or "member"  # Follow names its target after the model
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


@lru_cache(maxsize=256)
def _reaction_button(kind: str, label: str, symbol: str, mine: bool) -> str:
    """A reaction button up to its count: the same for every post of a page."""
    label = html.escape(label)
    return (
        f'<button type="submit" name="kind" value="{html.escape(kind)}" '
        f'class="reaction{" mine" if mine else ""}" title="{label}" '
        f'aria-pressed="{"true" if mine else "false"}"><span aria-hidden="true">'
        f'{html.escape(symbol)}</span> <span class="reaction-label">{label}</span>'
    )


@register.simple_tag
def reaction_buttons(post: Any) -> SafeString:
    """The reaction buttons of a post card (built here rather than in a template loop:
    there are a hundred of them on a feed page, each but its count the same on every
    post, so the rest of each button is made once)."""
    return mark_safe(  # noqa: S308 - kind, label and symbol are escaped; count is an int
        " ".join(
            _reaction_button(reaction.kind, reaction.label, reaction.symbol, reaction.mine)
            + (f" <strong>{int(reaction.count)}</strong>" if reaction.count else "")
            + "</button>"
            for reaction in getattr(post, "reactions_summary", [])
        )
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


# The post card (``{% post_card post %}``), built here rather than by a template: a feed
# page shows 20 of them, and the template engine's per-node work (an include, 20-odd
# variables, four translations and the reaction buttons per card) was a third of the
# page's CPU. The markup is the card's only copy; pieces are escaped by format_html.
_CARD = (
    '<article class="card post" id="post-{pk}" data-post="{pk}">\n'
    '  <header class="person">\n'
    "    {avatar}\n"
    "    <div>\n"
    '      <a href="{author_url}"><strong>{author_name}</strong></a>\n'
    "      {headline}\n"
    '      <div class="small muted">\n'
    '        <a href="{post_url}"><time datetime="{created_at}">{ago}</time></a>{edited}\n'
    "        · {audience}\n"
    "      </div>\n"
    "    </div>\n"
    "  </header>\n"
    '  <div class="post-body">{body}</div>\n'
    '  <footer class="post-actions">\n'
    # One form, one button per kind: the button pressed sends its kind.
    '    <form method="post" action="{react_url}" class="inline reactions">{csrf}\n'
    '      <input type="hidden" name="next" value="{next}#post-{pk}">\n'
    "      {reactions}\n"
    "    </form>\n"
    '    <a class="small" href="{post_url}#comments">{comments}</a>\n'
    "  </footer>\n"
    "</article>"
)


_CSRF_TOKEN = CsrfTokenNode()


def _audience(post: Any) -> str:
    """Who may read the post: the members of its space or company, or the community
    (then, if it belongs to a company or a space, whose news it is)."""
    space_name = post.space.name if post.space_id else ""
    company_name = post.company.name if post.company_id else ""
    if post.visibility == "space":
        return _("members of %(name)s") % {"name": space_name}
    if post.visibility == "company":
        return _("members of %(name)s") % {"name": company_name}
    community = _("community")
    if post.company_id:
        return community + " · " + _("news of %(name)s") % {"name": company_name}
    if post.space_id:
        return community + " · " + _("news of %(name)s") % {"name": space_name}
    return community


@register.simple_tag(takes_context=True)
def post_card(context: template.Context, post: Any) -> SafeString:
    """A post as a card: author, date, audience, text, reactions and comment count."""
    links = post_links(post)
    author = post.author
    profile = getattr(author, "profile", None)
    headline = profile.headline if profile is not None else ""
    request = context.get("request")
    edited = ""
    if post.edited_at:
        edited = format_html(
            ' · <span title="{}">{}</span>',
            localize(timezone.localtime(post.edited_at)),
            _("edited"),
        )
    count = post.comment_count
    return format_html(
        _CARD,
        pk=post.pk,
        avatar=(
            format_html(
                '<img class="avatar" src="{}" alt="" width="40" height="40" loading="lazy">',
                links.avatar,
            )
            if links.avatar
            else format_html('<span class="avatar" aria-hidden="true">{}</span>', author.initials)
        ),
        author_url=links.author,
        author_name=author.display_name,
        headline=format_html('<span class="small muted">· {}</span>', headline) if headline else "",
        post_url=links.post,
        created_at=date_format(timezone.localtime(post.created_at), "c"),
        ago=ago(post.created_at),
        edited=edited,
        audience=_audience(post),
        body=post_text(post.body),
        react_url=links.react,
        csrf=_CSRF_TOKEN.render(context),  # what {% csrf_token %} gives
        next=request.get_full_path() if request is not None else "",
        reactions=reaction_buttons(post),
        comments=ngettext("%(counter)s comment", "%(counter)s comments", count)
        % {"counter": count},
    )
