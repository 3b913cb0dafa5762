"""/api/hold-music/{company}: a company's own hold music, for its owners, as on its page
(``/companies/<slug>/hold-music/``): upload a WAV or MP3, which goes through the same
check (``voicemail.sound.uploaded_to_telephone``, then the length bounds) and the same
conversion to 8 kHz, or remove it to go back to the built-in chime."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import File, Router, Schema, Status, UploadedFile

from officina.accounts.access import access_company_by_slug
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, ErrorOut, Text
from officina.api.schemas import translated_when_shown as _
from officina.pbx.actions import check_upload_hold_music, do_remove_hold_music
from officina.pbx.selectors import company_hold_music

router = Router(tags=["hold music"])


class HoldMusicOut(Schema):
    plays: Literal["company", "chime"]
    original_name: str = ""
    seconds: float | None = None
    uploaded_at: datetime | None = None


def _hold_music_out(slug: str, request: HttpRequest) -> HoldMusicOut:
    company = access_company_by_slug(signed_in_member(request), slug, to_manage=True)
    music = company_hold_music(company)
    if music is None:
        return HoldMusicOut(plays="chime")
    return HoldMusicOut(
        plays="company",
        original_name=music.original_name,
        seconds=music.seconds,
        uploaded_at=music.uploaded_at,
    )


@router.get(
    "/{slug}",
    response={200: HoldMusicOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("What a company's held callers hear: its own music or the chime (its owners)"),
)
def get_hold_music(request: HttpRequest, slug: Text) -> HoldMusicOut:
    return _hold_music_out(slug, request)


@router.post(
    "/{slug}",
    response={200: HoldMusicOut, 400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_(
        "Upload the company's hold music (its owners): a WAV or MP3 in the multipart "
        "field 'audio'; it replaces the last one"
    ),
)
def set_hold_music(request: HttpRequest, slug: Text, audio: File[UploadedFile]) -> HoldMusicOut:
    company = access_company_by_slug(signed_in_member(request), slug, to_manage=True)
    check_upload_hold_music(company, audio)
    return _hold_music_out(slug, request)


@router.delete(
    "/{slug}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Remove the company's hold music: held callers hear the chime (its owners)"),
)
def remove_hold_music(request: HttpRequest, slug: Text) -> Status[None]:
    do_remove_hold_music(access_company_by_slug(signed_in_member(request), slug, to_manage=True))
    return Status(204, None)
