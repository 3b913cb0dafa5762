"""``unread_notifications`` for the badge of the base layout (one COUNT query)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from officina.notifications.selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    # Lazy: pages that do not render the badge (JSON, redirects) never run the query.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
