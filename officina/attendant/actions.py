"""Set up the auto-attendant menus of a company or of a space.

``check_save_menu`` validates everything first (the options, the numbers, the greeting's
sound) and changes nothing on an error: a wrong option or an unreadable upload leaves
the menu as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from officina.accounts.selectors import owner_field, owner_people_ids
from officina.conferences.selectors import number_is_a_room
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.selectors import extension_members, extension_number_exists
from officina.ringgroups.kinds import NUMBER_MAX_DIGITS, NUMBER_MIN_DIGITS
from officina.ringgroups.selectors import number_is_a_ring_group, owner_ring_groups
from officina.trunks.actions import (
    hold_owner_for_adding,
    hold_route_targets,
    refuse_if_routed_to,
)
from officina.trunks.kinds import RouteKind
from officina.voicemail.kinds import GREETING_SECONDS_MAX, GREETING_UPLOAD_MAX_BYTES
from officina.voicemail.sound import SoundError, speak, to_telephone

from .kinds import (
    GREETING_TEXT_MAX,
    KEYS,
    NAME_MAX_LENGTH,
    TIMEOUT_SECONDS_DEFAULT,
    TIMEOUT_SECONDS_MAX,
    TIMEOUT_SECONDS_MIN,
    OptionKind,
)
from .models import Menu, MenuOption
from .prompts import Language
from .selectors import number_is_a_menu, owner_menu_by_number

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from officina.accounts.selectors import PhoneOwner


@dataclass
class MenuInput:
    name: str
    number: str
    language: str = Language.ITALIAN
    greeting_text: str = ""
    timeout_seconds: int = TIMEOUT_SECONDS_DEFAULT
    out_of_hours_number: str = ""
    options: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (kind, number)


def _check_number(number: str, field_name: str) -> str:
    number = number.strip()
    if not (number.isascii() and number.isdigit()) or not (
        NUMBER_MIN_DIGITS <= len(number) <= NUMBER_MAX_DIGITS
    ):
        raise OfficinaError.invalid_input(
            _("The number is %(min)s to %(max)s digits.")
            % {"min": NUMBER_MIN_DIGITS, "max": NUMBER_MAX_DIGITS},
            field=field_name,
        )
    return number


def _check_option(owner: PhoneOwner, own_number: str, key: str, kind: str, number: str) -> str:
    """One key's destination, always the owner's own: the extension or voicemail of one
    of a company's people (a space's members), its ring groups, its other menus."""
    of_a_space = owner_field(owner) == "space"
    where = f"option_{key}"
    if key not in KEYS:
        raise OfficinaError.invalid_input(_("Unknown key %(key)s.") % {"key": key[:2]}, field=where)
    if kind not in OptionKind.values:
        raise OfficinaError.invalid_input(_("Unknown kind of destination."), field=where)
    number = _check_number(number, where)
    if kind in (OptionKind.EXTENSION, OptionKind.VOICEMAIL):
        known = extension_members([number]).get(number) in owner_people_ids(owner)
        wrong = (
            _("Key %(key)s: %(number)s is not the extension of a member of the space.")
            if of_a_space
            else _("Key %(key)s: %(number)s is not the extension of one of the company's people.")
        )
    elif kind == OptionKind.RING_GROUP:
        known = owner_ring_groups(owner).filter(number=number).exists()
        wrong = (
            _("Key %(key)s: %(number)s is not a ring group of the space.")
            if of_a_space
            else _("Key %(key)s: %(number)s is not a ring group of the company.")
        )
    else:
        known = number != own_number and owner_menu_by_number(owner, number) is not None
        wrong = (
            _("Key %(key)s: %(number)s is not another menu of the space.")
            if of_a_space
            else _("Key %(key)s: %(number)s is not another menu of the company.")
        )
    if not known:
        raise OfficinaError.invalid_input(wrong % {"key": key, "number": number}, field=where)
    return number


def _check(owner: PhoneOwner, data: MenuInput, menu: Menu | None) -> MenuInput:
    name = " ".join(data.name.split())
    if not name:
        raise OfficinaError.invalid_input(_("Give the menu a name."), field="name")
    if len(name) > NAME_MAX_LENGTH or any(ord(c) < 32 for c in name):
        raise OfficinaError.invalid_input(
            _("At most %(limit)s characters, on one line.") % {"limit": NAME_MAX_LENGTH},
            field="name",
        )
    number = _check_number(data.number, "number")
    if (
        extension_number_exists(number)
        or number_is_a_ring_group(number)
        or number_is_a_menu(number, except_menu=menu)
        or number_is_a_room(number)
    ):
        raise OfficinaError.invalid_input(
            _("%(number)s is already taken: choose another number.") % {"number": number},
            field="number",
        )
    if menu is not None and number != menu.number:
        refuse_if_routed_to(RouteKind.MENU, menu.number, seen_by=owner, field="number")
    if data.language not in Language.values:
        raise OfficinaError.invalid_input(_("Italian or English."), field="language")
    text = " ".join(data.greeting_text.split())
    if len(text) > GREETING_TEXT_MAX:
        raise OfficinaError.invalid_input(
            _("At most %(limit)s characters.") % {"limit": GREETING_TEXT_MAX},
            field="greeting_text",
        )
    if not TIMEOUT_SECONDS_MIN <= data.timeout_seconds <= TIMEOUT_SECONDS_MAX:
        raise OfficinaError.invalid_input(
            _("Between %(min)s and %(max)s seconds.")
            % {"min": TIMEOUT_SECONDS_MIN, "max": TIMEOUT_SECONDS_MAX},
            field="timeout_seconds",
        )
    elsewhere = data.out_of_hours_number.strip()
    if elsewhere:
        elsewhere = _check_number(elsewhere, "out_of_hours_number")
        if elsewhere == number or owner_menu_by_number(owner, elsewhere) is None:
            message = (
                _("%(number)s is not another menu of the space.")
                if owner_field(owner) == "space"
                else _("%(number)s is not another menu of the company.")
            )
            raise OfficinaError.invalid_input(
                message % {"number": elsewhere},
                field="out_of_hours_number",
            )
    options = {
        key: (kind, _check_option(owner, number, key, kind, target))
        for key, (kind, target) in sorted(data.options.items())
    }
    return MenuInput(
        name=name,
        number=number,
        language=data.language,
        greeting_text=text,
        timeout_seconds=data.timeout_seconds,
        out_of_hours_number=elsewhere,
        options=options,
    )


def _greeting_sound(
    data: MenuInput, menu: Menu | None, upload: UploadedFile | None
) -> bytes | None:
    """The new greeting (8 kHz WAV), or None to keep the menu's own. Raises on a file that
    is no sound, and when the menu would have no greeting at all."""
    if upload is not None:
        if upload.size is None or upload.size > GREETING_UPLOAD_MAX_BYTES:
            raise OfficinaError.invalid_input(
                _("The file is larger than %(megabytes)s MB.")
                % {"megabytes": GREETING_UPLOAD_MAX_BYTES // (1024 * 1024)},
                field="greeting_audio",
            )
        try:
            converted, seconds = to_telephone(upload.read(GREETING_UPLOAD_MAX_BYTES + 1))
        except SoundError:
            raise OfficinaError.invalid_input(
                _("This is not a WAV or MP3 file that can be played."), field="greeting_audio"
            ) from None
        if seconds > GREETING_SECONDS_MAX:
            raise OfficinaError.invalid_input(
                _("A greeting lasts at most %(seconds)s seconds.")
                % {"seconds": GREETING_SECONDS_MAX},
                field="greeting_audio",
            )
        if seconds < 0.3:
            raise OfficinaError.invalid_input(
                _("This recording is too short."), field="greeting_audio"
            )
        return converted
    unchanged = menu is not None and bool(menu.greeting)
    if data.greeting_text:
        if (
            unchanged
            and menu is not None
            and (menu.greeting_text, menu.language)
            == (
                data.greeting_text,
                data.language,
            )
        ):
            return None
        # Spoken while the owner waits (a second or two for 400 characters): the menu is
        # never saved without the greeting it will say.
        try:
            return speak(data.greeting_text, data.language)
        except SoundError:
            raise OfficinaError.invalid_input(
                _("The greeting could not be spoken; try again."), field="greeting_text"
            ) from None
    if unchanged:
        return None
    raise OfficinaError.invalid_input(
        _("Type what the greeting says, or upload a recording."), field="greeting_text"
    )


def check_save_menu(
    owner: PhoneOwner, data: MenuInput, menu: Menu | None = None, upload: UploadedFile | None = None
) -> Menu:
    """Make a menu of ``owner`` (a company or a space), or change ``menu``."""
    checked = _check(owner, data, menu)
    sound = _greeting_sound(checked, menu, upload)
    old_file = menu.greeting.name if menu is not None and sound is not None else ""
    try:
        with transaction.atomic():
            # Checked again once the menus and groups its keys name, and the menu itself,
            # are locked: none is removed or renumbered before this is saved. A new
            # menu's owner is held first: its removal does not take a menu made meanwhile.
            if menu is None:
                hold_owner_for_adding(owner)
            _groups, menus = hold_route_targets(
                [
                    checked.out_of_hours_number,
                    *(target for _kind, target in checked.options.values()),
                ],
                menu_id=menu.pk if menu is not None else None,
            )
            if menu is not None:
                if menu.pk not in menus:
                    # Saving it now would make again what its owner removed.
                    raise OfficinaError(
                        _("This menu was removed meanwhile: nothing was saved."),
                        ErrorCode.NOT_FOUND,
                    )
                menu.number = menus[menu.pk]
            checked = _check(owner, data, menu)
            if menu is None:
                menu = Menu(**{owner_field(owner): owner})
            menu.name = checked.name
            menu.number = checked.number
            menu.language = checked.language
            menu.timeout_seconds = checked.timeout_seconds
            menu.out_of_hours_number = checked.out_of_hours_number
            if sound is not None:
                menu.greeting_text = "" if upload is not None else checked.greeting_text
                menu.greeting.save(f"menu-{checked.number}.wav", ContentFile(sound), save=False)
            menu.save()
            menu.options.all().delete()
            MenuOption.objects.bulk_create(
                MenuOption(menu=menu, key=key, kind=kind, number=number)
                for key, (kind, number) in checked.options.items()
            )
    except IntegrityError:
        if sound is not None and menu is not None and menu.greeting.name != old_file:
            menu.greeting.storage.delete(menu.greeting.name)
        raise OfficinaError.invalid_input(
            _("%(number)s is already taken: choose another number.") % {"number": checked.number},
            field="number",
        ) from None
    if old_file and old_file != menu.greeting.name:
        menu.greeting.storage.delete(old_file)
    return menu


def check_delete_menu(menu: Menu) -> None:
    """Remove ``menu``, unless calls are routed to it (a number, another menu's key)."""
    greeting = menu.greeting.name
    storage = menu.greeting.storage
    with transaction.atomic():
        _groups, menus = hold_route_targets([], menu_id=menu.pk)
        if menu.pk not in menus:
            return  # removed meanwhile
        refuse_if_routed_to(RouteKind.MENU, menus[menu.pk], seen_by=menu.owner)
        menu.delete()
    if greeting:
        storage.delete(greeting)
