"""WebSocket /ws/notifications/: each open page of a member receives new notifications."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import trans_real

from officina.accounts.member_locale import member_zone
from officina.notifications.live import member_group
from officina.notifications.wording import rendered_text


def page_language(scope: dict[str, Any]) -> str:
    """The language the page that opened this socket is in, found as the pages do.

    The member's own setting, else the language cookie, else the browser's
    Accept-Language, else the site's default.
    """
    chosen = getattr(scope.get("user"), "language", "")
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    candidates = [language for language in (chosen, cookie) if language]
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            accepted = trans_real.parse_accept_lang_header(value.decode("latin-1")[:255])
            candidates += [language for language, _quality in accepted if language != "*"]
    for candidate in candidates:
        try:
            return translation.get_supported_language_variant(candidate)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


class MemberPushConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """A one-way channel to every open page of the signed-in member.

    Subclasses say which channel-layer group carries a member's events; the
    handlers for those events forward them to the page.
    """

    group: str | None = None
    language: str = settings.LANGUAGE_CODE
    zone: tzinfo | None = None  # None: the community's

    def group_for(self, member_id: int) -> str:
        raise NotImplementedError

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # 4401: the page is not signed in; the client stops retrying after a reload.
            await self.close(code=4401)
            return
        self.language = page_language(self.scope)
        self.zone = member_zone(user)
        self.group = self.group_for(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The page never writes here: changes go through authenticated, CSRF-checked POSTs.
        return


class NotificationConsumer(MemberPushConsumer):
    def group_for(self, member_id: int) -> str:
        return member_group(member_id)

    async def notification_push(self, event: dict[str, Any]) -> None:
        payload = dict(event["payload"])
        if "message" in payload:
            with translation.override(self.language), timezone.override(self.zone):
                payload["text"] = rendered_text(payload.pop("message"), payload.pop("params"))
        await self.send_json({"type": "notification", **payload})
