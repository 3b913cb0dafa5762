"""The one path to a space's who's-here data and to its kiosks."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError

from .actions import hash_kiosk_token
from .models import Kiosk


def access_kiosk_by_token(space_slug: str, token: str) -> Kiosk:
    """The active kiosk of the space that holds this token; any mismatch is "not found"."""
    not_found = OfficinaError(_("This device is not a kiosk of the space."), ErrorCode.NOT_FOUND)
    if not token or len(token) > 200:
        raise not_found
    kiosk = (
        Kiosk.objects.select_related("space")
        .filter(token_hash=hash_kiosk_token(token), revoked_at__isnull=True)
        .first()
    )
    if kiosk is None or kiosk.space.slug != space_slug:
        raise not_found
    return kiosk


def access_kiosk_by_id(kiosk_id: int, *, space_id: int) -> Kiosk:
    kiosk = Kiosk.objects.select_related("space").filter(pk=kiosk_id, space_id=space_id).first()
    if kiosk is None:
        raise OfficinaError(_("Kiosk not found."), ErrorCode.NOT_FOUND)
    return kiosk


def kiosk_is_active(kiosk: Kiosk) -> bool:
    return kiosk.revoked_at is None or kiosk.revoked_at > timezone.now()
