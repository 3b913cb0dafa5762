"""Writes of the PBX: provisioning, credentials, registrations and call records.

``do_*`` functions change state atomically and assume their input is valid;
the SIP server calls the registration and call-record ones from a worker
thread (never from the event loop).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.bindings import (
    IDENTITY_FIELDS,
    PERSISTED_FIELDS,
    Binding,
    registration_values,
)
from officina.pbx.credentials import digest_ha1_pair
from officina.pbx.forward_targets import forward_target
from officina.pbx.models import (
    FORWARDING_CASES,
    MAX_NO_ANSWER_SECONDS,
    MIN_NO_ANSWER_SECONDS,
    CallRecord,
    Extension,
    Forwarding,
    HoldMusic,
    Registration,
    SipCredential,
)
from officina.ringgroups.selectors import ring_group_numbers
from officina.trunks.actions import hold_route_targets
from officina.voicemail.sound import uploaded_to_telephone

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from officina.accounts.models import Company, Member

FIRST_MEMBER_EXTENSION = 201
# Letters and digits that cannot be mistaken for one another when typed into a phone.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet, not a secret
PASSWORD_LENGTH = 16
# An MP3 of ten minutes at 128 kbit/s; stored as 8 kHz 16-bit WAV it is under 10 MB.
HOLD_MUSIC_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
HOLD_MUSIC_SECONDS_MAX = 600
# Shorter than this, the repeats are heard as a stutter rather than as music.
HOLD_MUSIC_SECONDS_MIN = 2


def generate_sip_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _next_free_numbers(count: int) -> list[str]:
    numbers = Extension.objects.filter(number__regex=r"^[0-9]+$").values_list("number", flat=True)
    taken = {int(number) for number in numbers}
    # A ring group's number is dialled like an extension: no member gets it.
    groups = {int(number) for number in ring_group_numbers() if number.isdigit()}
    candidate = max([FIRST_MEMBER_EXTENSION - 1, *taken]) + 1
    free: list[str] = []
    while len(free) < count:
        if candidate not in groups:
            free.append(str(candidate))
        candidate += 1
    return free


def _credential_fields(extension: Extension, password: str) -> dict[str, object]:
    """What a credential stores of ``password``: its digest hashes, never the password."""
    realm = settings.SIP_DOMAIN
    username = extension.number
    ha1_md5, ha1_sha256 = digest_ha1_pair(username, realm, password)
    return {
        "username": username,
        "realm": realm,
        "ha1_md5": ha1_md5,
        "ha1_sha256": ha1_sha256,
        "changed_at": timezone.now(),
    }


def do_set_sip_password(extension: Extension, password: str) -> SipCredential:
    """Store the digest hashes of ``password`` for ``extension`` (the password is not kept)."""
    credential, _created = SipCredential.objects.update_or_create(
        extension=extension, defaults=_credential_fields(extension, password)
    )
    return credential


@transaction.atomic
def do_set_sip_passwords(extensions: Sequence[Extension], password: str) -> None:
    """Give many extensions one SIP password, as an operator sets a trial's published one."""
    SipCredential.objects.bulk_create(
        [
            SipCredential(extension=extension, **_credential_fields(extension, password))
            for extension in extensions
        ],
        update_conflicts=True,
        unique_fields=["extension"],
        update_fields=["username", "realm", "ha1_md5", "ha1_sha256", "changed_at"],
        batch_size=500,
    )


def do_regenerate_sip_password(extension: Extension) -> str:
    """Give ``extension`` a new random SIP password and return it (shown once, never stored)."""
    password = generate_sip_password()
    with transaction.atomic():
        do_set_sip_password(extension, password)
    return password


def do_provision_extension(member: Member) -> Extension:
    """Give ``member`` an extension with SIP credentials, if they have none yet.

    Called by sign-up and, lazily, by the phone page; safe to call again.
    Two concurrent calls may pick the same free number: the unique constraint
    refuses the second, which tries the next number.
    """
    existing = Extension.objects.filter(member=member).first()
    if existing is not None:
        return existing
    for _attempt in range(20):
        try:
            with transaction.atomic():
                extension = Extension.objects.create(
                    number=_next_free_numbers(1)[0], kind=Extension.Kind.MEMBER, member=member
                )
                do_set_sip_password(extension, generate_sip_password())
                return extension
        except IntegrityError:
            existing = Extension.objects.filter(member=member).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not find a free extension number.")


@transaction.atomic
def do_provision_extensions(members: Sequence[Member]) -> list[Extension]:
    """Give each member who has none an extension with SIP credentials (an import).

    Returns the new extensions, numbered in the members' order. Unlike
    :func:`do_provision_extension` it does not retry on a number taken
    meanwhile: run it where nothing else provisions at the same moment.
    """
    provided = set(Extension.objects.filter(member__in=members).values_list("member_id", flat=True))
    missing = [member for member in members if member.pk not in provided]
    extensions = Extension.objects.bulk_create(
        [
            Extension(number=number, kind=Extension.Kind.MEMBER, member=member)
            for member, number in zip(missing, _next_free_numbers(len(missing)), strict=True)
        ]
    )
    SipCredential.objects.bulk_create(
        [
            SipCredential(
                extension=extension, **_credential_fields(extension, generate_sip_password())
            )
            for extension in extensions
        ]
    )
    return extensions


def do_save_bindings(saved: Sequence[Binding], removed: Iterable[tuple[int, str]]) -> None:
    """Persist a batch of registrar changes: bindings made or refreshed, bindings removed."""
    with transaction.atomic():
        removal = Q()
        any_removed = False
        for extension_id, binding_key in removed:
            removal |= Q(extension_id=extension_id, binding_key=binding_key)
            any_removed = True
        if any_removed:
            Registration.objects.filter(removal).delete()
        if saved:
            # One upsert for the whole batch: a busy registrar refreshes hundreds of
            # bindings a second, and a query per binding would hold the database (and
            # the interpreter) far longer.
            Registration.objects.bulk_create(
                [Registration(**registration_values(binding)) for binding in saved],
                update_conflicts=True,
                unique_fields=IDENTITY_FIELDS,
                update_fields=_REWRITTEN_FIELDS,
                batch_size=500,
            )


_REWRITTEN_FIELDS = [name for name in PERSISTED_FIELDS if name not in IDENTITY_FIELDS]


def do_delete_expired_registrations(now: datetime) -> int:
    deleted, _ = Registration.objects.filter(expires_at__lte=now).delete()
    return deleted


@dataclass(slots=True)
class CallRow:
    """A call attempt as the proxy tracks it, ready to be persisted."""

    call_id: str
    caller_id: int | None
    caller_number: str
    callee_id: int | None
    callee_number: str
    devices_rung: list[str]
    answered_by: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str
    final_status: int | None
    record_id: int | None = None
    direction: str = "internal"  # a CallRecord.Direction value
    reason: str = ""
    transferred_by: str = ""  # who transferred the caller here (their REFER)
    transferred_to: str = ""  # where this call was transferred to (a REFER in it)
    replaced_call_id: str = ""  # the call this one took over (attended transfer)
    voicemail: bool = False  # the callee's voicemail took the call nobody answered
    # The extension whose daily minutes for calls out the call spent (answered through
    # a trunk: dialled out, forwarded out, or a follow-me answered outside).
    charged_to_id: int | None = None
    # The owner of the number that forwarded the call outside through its trunk.
    charged_company_id: int | None = None
    charged_space_id: int | None = None
    ended_by: str = ""  # a CallRecord.EndedBy value, once hung up
    # The caller's From tag (not stored): a BYE carrying it is the caller's hang-up.
    caller_tag: str = ""
    # False for a leg inside a call recorded already (the desk ringing a member's phones
    # of the other media kind for one branch of that call): never written.
    recorded: bool = True


def do_write_call_records(new: Sequence[CallRow], ended: Sequence[CallRow]) -> None:
    """Insert new call records and close the ones whose call has ended.

    Rows in ``new`` get their ``record_id`` filled so that a later hang-up
    can update them.
    """
    with transaction.atomic():
        if new:
            _insert_call_records(new)
        closed = [row for row in ended if row.record_id is not None]
        if closed:
            # A REFER comes after the answer was written and before the hang-up; the
            # voicemail may take an unanswered call after its record was written.
            _close_call_records(closed)


def _insert_call_records(rows: Sequence[CallRow]) -> None:
    """Insert the records and give each row its record's id.

    One multi-row INSERT ... RETURNING a batch, its values prepared by the fields:
    ``bulk_create`` would first make a model instance per row and prepare each value
    through the query compiler: 180-240 µs of CPU per record, 150 at a time on SQLite,
    against 50-70 µs this way, on the database thread that shares the GIL with the
    proxy. Ids come back in the order of the rows, as ``bulk_create`` relies on too."""
    connection = connections[router.db_for_write(CallRecord)]
    quote = connection.ops.quote_name
    meta = CallRecord._meta
    # Every column but the id, each read from the CallRow attribute of its name
    # (``caller_id`` for ``caller``): a column CallRow lacks fails here, in the tests.
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    batch = max(1, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for first in range(0, len(rows), batch):
            chunk = rows[first : first + batch]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
                f"VALUES {', '.join([one_row] * len(chunk))} "
                f"RETURNING {quote(meta.get_field('id').column)}",
                [
                    field.get_db_prep_save(getattr(row, field.attname), connection)
                    for row in chunk
                    for field in fields
                ],
            )
            for row, (record_id,) in zip(chunk, cursor.fetchall(), strict=True):
                row.record_id = record_id


# What a call record gains after it was first written: its end, and how it ended.
_CLOSING_FIELDS = ("ended_at", "ended_by", "reason", "transferred_to", "voicemail")


def _close_call_records(rows: Sequence[CallRow]) -> None:
    """Write the closing fields of records already inserted: one statement, run once per
    row. ``bulk_update`` would build a CASE expression with a branch per row and field,
    about a millisecond of Python per row, on the database thread whose GIL the proxy
    waits for; under load most answered calls end after their insert (the insert waits
    half a second for company), so this runs for nearly every call."""
    connection = connections[router.db_for_write(CallRecord)]
    quote = connection.ops.quote_name
    meta = CallRecord._meta
    fields = [field for field in meta.concrete_fields if field.name in _CLOSING_FIELDS]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    statement = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
        f"WHERE {quote(meta.get_field('id').column)} = %s"
    )
    values = [
        [field.get_db_prep_save(getattr(row, field.name), connection) for field in fields]
        + [row.record_id]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, values)


# ---------------------------------------------------------------------- call forwarding
# A target as dialled: an extension, a group or a number outside, with an optional "+".
_FORWARD_TARGET = re.compile(r"\+?[0-9]{2,20}")
# What people type between digits ("02 8765-4321", "(02) 8765.4321").
_NUMBER_PUNCTUATION = re.compile(r"[\s().\-/]")


@dataclass(frozen=True, slots=True)
class ForwardingInput:
    always: str = ""
    busy: str = ""
    no_answer: str = ""
    no_answer_seconds: int = 20
    unregistered: str = ""
    follow_me: str = ""
    follow_me_seconds: int = 15
    # The least and the most seconds either wait may be.
    SECONDS_RANGE: ClassVar[tuple[int, int]] = (MIN_NO_ANSWER_SECONDS, MAX_NO_ANSWER_SECONDS)

    @classmethod
    def of(cls, forwarding: Forwarding | None) -> ForwardingInput:
        """``forwarding`` as stored; nothing stored: nothing forwarded, the default seconds."""
        if forwarding is None:
            return cls()
        return cls(**{field.name: getattr(forwarding, field.name) for field in fields(cls)})


FORWARDING_FIELDS = frozenset(field.name for field in fields(ForwardingInput))


def clean_forward_target(extension: Extension, value: str, field: str) -> str:
    """A forward target as stored (digits, maybe a leading "+"), or an input error: it
    must be somewhere the extension's member may forward to (``forward_targets``)."""
    target = _NUMBER_PUNCTUATION.sub("", value or "")
    if not target:
        return ""
    if not _FORWARD_TARGET.fullmatch(target):
        raise OfficinaError.invalid_input(
            _("Write an extension or a telephone number (digits, maybe a leading +)."),
            field=field,
        )
    if target == extension.number:
        raise OfficinaError.invalid_input(
            _("Calls cannot be forwarded to the same extension."), field=field
        )
    forward_target(extension.member, target, field)
    return target


def check_set_forwarding(extension: Extension, data: ForwardingInput) -> Forwarding:
    """Validate and store where ``extension``'s calls are forwarded."""
    with transaction.atomic():
        _hold_forward_targets(getattr(data, case) for case in FORWARDING_CASES)
        return _set_forwarding(extension, data)


def check_change_forwarding(extension: Extension, changes: Mapping[str, Any]) -> Forwarding:
    """Change the cases and seconds named in ``changes`` and keep the others as stored,
    then validate and store the whole, as :func:`check_set_forwarding` does."""
    unknown = sorted(set(changes) - FORWARDING_FIELDS)
    if unknown:
        raise OfficinaError.invalid_input(_("Unknown forwarding case."), field=unknown[0])
    with transaction.atomic():
        # The new targets are held as the page holds its own; those kept are in the
        # stored row already, which keeps their menu or group from being removed. The
        # row is locked after the targets, in the order the page's save takes them, and
        # made first when there is none (undone with a refusal): a change made meanwhile
        # is read, not lost under this one.
        _hold_forward_targets(changes[case] for case in FORWARDING_CASES if case in changes)
        stored, _created = Forwarding.objects.select_for_update().get_or_create(extension=extension)
        return _set_forwarding(extension, replace(ForwardingInput.of(stored), **changes))


def _hold_forward_targets(targets: Iterable[str | None]) -> None:
    """Row-lock the menus and ring groups among ``targets`` (as typed) until the
    transaction ends: what a forwarding sends calls to stays until it is saved."""
    hold_route_targets(_NUMBER_PUNCTUATION.sub("", str(target or "")) for target in targets)


def _set_forwarding(extension: Extension, data: ForwardingInput) -> Forwarding:
    # Every field is judged before any refusal, so each wrong one is named at once;
    # the first (in the form's order) is the error's own field.
    refusals: dict[str, str] = {}
    targets = {}
    for case in FORWARDING_CASES:
        try:
            targets[case] = clean_forward_target(extension, getattr(data, case), case)
        except OfficinaError as error:
            refusals[case] = str(error.message)
    for field in ("no_answer_seconds", "follow_me_seconds"):
        seconds = getattr(data, field)
        if not MIN_NO_ANSWER_SECONDS <= seconds <= MAX_NO_ANSWER_SECONDS:
            refusals[field] = _("Between %(low)d and %(high)d seconds.") % {
                "low": MIN_NO_ANSWER_SECONDS,
                "high": MAX_NO_ANSWER_SECONDS,
            }
    if refusals:
        field, message = next(iter(refusals.items()))
        raise OfficinaError.invalid_input(message, field=field, fields=refusals)
    forwarding, _created = Forwarding.objects.update_or_create(
        extension=extension,
        defaults={
            **targets,
            "no_answer_seconds": data.no_answer_seconds,
            "follow_me_seconds": data.follow_me_seconds,
        },
    )
    return forwarding


def check_set_forward_target_by_id(extension_id: int, case: str, target: str) -> Forwarding:
    """Turn one case of an active extension's forwarding on (``target``) or off (empty),
    as a feature code does."""
    extension = Extension.objects.filter(pk=extension_id, is_active=True).first()
    if extension is None:
        raise OfficinaError(_("This extension does not exist."), ErrorCode.NOT_FOUND)
    if case not in FORWARDING_CASES:
        raise OfficinaError.invalid_input(_("Unknown forwarding case."), field="case")
    with transaction.atomic():
        _hold_forward_targets([target])
        cleaned = clean_forward_target(extension, target, case)
        forwarding, _created = Forwarding.objects.update_or_create(
            extension=extension, defaults={case: cleaned}
        )
    return forwarding


def check_upload_hold_music(company: Company, upload: UploadedFile) -> HoldMusic:
    """A WAV or MP3 a company's owner uploads becomes its hold music, converted by sox
    to the 8 kHz WAV rtpengine and the media desk play; anything else is refused and
    nothing changes."""
    converted, seconds = uploaded_to_telephone(upload, HOLD_MUSIC_UPLOAD_MAX_BYTES)
    if seconds > HOLD_MUSIC_SECONDS_MAX:
        raise OfficinaError.invalid_input(
            _("Hold music lasts at most %(minutes)s minutes.")
            % {"minutes": HOLD_MUSIC_SECONDS_MAX // 60},
            field="audio",
        )
    if seconds < HOLD_MUSIC_SECONDS_MIN:
        raise OfficinaError.invalid_input(
            _("Hold music lasts at least %(seconds)s seconds.")
            % {"seconds": HOLD_MUSIC_SECONDS_MIN},
            field="audio",
        )
    storage = HoldMusic.audio.field.storage
    with transaction.atomic():
        music = HoldMusic.objects.select_for_update().filter(company=company).first()
        if music is None:
            music = HoldMusic(company=company)
        old = music.audio.name
        # A new name each time: rtpengine or the desk may be reading the old file for a
        # held call.
        music.audio.save(f"{uuid.uuid4().hex}.wav", ContentFile(converted), save=False)
        new = music.audio.name
        try:
            music.original_name = (upload.name or "")[:255]
            music.seconds = seconds
            music.save()
        except Exception:
            storage.delete(new)
            raise
        if old:
            transaction.on_commit(lambda: storage.delete(old))
    return music


def do_remove_hold_music(company: Company) -> None:
    """Back to the built-in chime."""
    storage = HoldMusic.audio.field.storage
    with transaction.atomic():
        music = HoldMusic.objects.select_for_update().filter(company=company).first()
        if music is None:
            return
        name = music.audio.name
        music.delete()
        transaction.on_commit(lambda: storage.delete(name))
