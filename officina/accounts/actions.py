"""Changes to members, companies, relations and spaces.

``do_*`` make a change atomically and assume it is allowed; ``check_*``
validate the input and the actor's rights, raise :class:`OfficinaError`
when something is wrong (changing nothing), then act.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NotRequired, Required, TypedDict, Unpack

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import CASCADE, FileField, Model
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.actions import Notice, do_notify_many

from .access import is_company_owner, is_space_manager
from .kinds import (
    CompanyRole,
    JoinPolicy,
    PresenceVisibility,
    RelationKind,
    SpaceKind,
    SpaceRole,
    member_time_zones,
)
from .models import (
    Company,
    CompanyInvitation,
    CompanyJoinRequest,
    CompanyMembership,
    CompanyRelation,
    Member,
    Space,
    SpaceJoinRequest,
    SpaceMembership,
    validate_time_zone,
)
from .selectors import company_owners, space_managers
from .signals import member_signed_up, members_signed_up, presence_visibility_changed

KIOSK_PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
KIOSK_PIN_MAX_FAILURES = 5
KIOSK_PIN_LOCK = timedelta(minutes=15)
# Rows per INSERT and addresses per lookup in a bulk sign-up: under SQLite's 999 variables.
SIGN_UP_BATCH = 500


def _language_or_empty(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    if language and language not in codes:
        raise OfficinaError.invalid_input(_("Unknown language."), field="language")
    return language


def _time_zone_or_empty(time_zone: str) -> str:
    if time_zone and time_zone not in member_time_zones():
        raise OfficinaError.invalid_input(_("Unknown time zone."), field="time_zone")
    return time_zone


# --- members -----------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True, slots=True)
class SignUp:
    """One person joining through an import (:func:`do_sign_up_many`), address normalized."""

    email: str
    password: str
    first_name: str
    last_name: str
    language: str = ""


@dataclass(frozen=True)
class SignUpLinks:
    """Where the sign-up e-mails point: the confirmation link is made from its token."""

    confirm: Callable[[str], str]
    log_in: str
    password_reset: str


SIGN_UP_SALT = "officina.accounts.sign-up"
SIGN_UP_LINK_LIFETIME = timedelta(days=3)


class SignUpFields(TypedDict):
    """What a newcomer types on the sign-up form."""

    email: str
    password: str
    first_name: str
    last_name: str
    language: NotRequired[str]


def _validated_sign_up(
    *, email: str, password: str, first_name: str, last_name: str, language: str = ""
) -> dict[str, str]:
    """The sign-up fields, normalised, with the password hashed; raises on bad input."""
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise OfficinaError.invalid_input(
            _("Enter a valid e-mail address."), field="email"
        ) from error
    if not first_name.strip() or not last_name.strip():
        raise OfficinaError.invalid_input(
            _("Please tell us your first and last name."), field="first_name"
        )
    candidate = Member(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise OfficinaError.invalid_input(" ".join(error.messages), field="password") from error
    return {
        "email": email,
        "password_hash": make_password(password),
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "language": _language_or_empty(language),
    }


def check_sign_up(**sign_up: Unpack[SignUpFields]) -> Member:
    """Create a member; pending company invitations for the address are applied."""
    fields = _validated_sign_up(**sign_up)
    if Member.objects.filter(email__iexact=fields["email"]).exists():
        raise OfficinaError.invalid_input(
            _("A member with this e-mail address already exists."), field="email"
        )
    return do_sign_up(**fields)


def check_request_sign_up(*, links: SignUpLinks, **sign_up: Unpack[SignUpFields]) -> None:
    """Mail the address a link that creates the account, or, when it has one, a reminder.

    Whoever asks sees the same answer either way, so sign-up never tells a stranger which
    addresses have an account; only the owner of the address learns it, by e-mail. The
    password is hashed on both paths, so the answer takes as long either way too.
    """
    fields = _validated_sign_up(**sign_up)
    token = signing.dumps(fields, salt=SIGN_UP_SALT, compress=True)
    existing = Member.objects.filter(email__iexact=fields["email"]).first()
    # A member is written to in the language they chose; a newcomer in the page's.
    chosen = existing.language if existing is not None else ""
    with translation.override(chosen or translation.get_language()):
        # A project guest who signs up joins the coworking with the account they have:
        # the link proves the address is theirs, as for a newcomer.
        if existing is not None and not existing.is_guest:
            message = _(
                "Hello %(name)s,\n\n"
                "someone (hopefully you) tried to sign up to Officina with this e-mail address, "
                "which already has an account. Log in here:\n\n%(log_in)s\n\n"
                "Forgot your password? Choose a new one here:\n\n%(reset)s\n\n"
                "If it was not you, ignore this message: nothing has changed."
            ) % {
                "name": existing.display_name,
                "log_in": links.log_in,
                "reset": links.password_reset,
            }
        else:
            message = _(
                "Hello %(name)s,\n\n"
                "open this link to create your Officina account (it works for three days):\n\n"
                "%(link)s\n\n"
                "If you did not sign up, ignore this message: no account is made."
            ) % {"name": fields["first_name"], "link": links.confirm(token)}
        subject = str(_("Your Officina account"))
    send_mail(
        subject=subject,
        message=message,
        from_email=None,
        recipient_list=[fields["email"]],
    )


def check_confirm_sign_up(token: str) -> Member:
    """Create the member a sign-up link was mailed for; raises once it has been used."""
    try:
        fields = signing.loads(token, salt=SIGN_UP_SALT, max_age=SIGN_UP_LINK_LIFETIME)
    except signing.BadSignature as error:  # also an expired one
        raise OfficinaError.invalid_input(
            _("This link is not valid or has expired: please sign up again.")
        ) from error
    with transaction.atomic():
        existing = Member.objects.filter(email__iexact=fields["email"]).first()
        if existing is not None and existing.is_guest:
            # A project guest becomes a member, with the password they chose now.
            existing.password = fields["password_hash"]
            existing.save(update_fields=["password"])
            return do_make_full_member(existing)
        if existing is not None:
            raise OfficinaError(
                _("This account exists already: log in with your e-mail address and password."),
                ErrorCode.CONFLICT,
            )
        return do_sign_up(**fields)


def _apply_invitations(members: Sequence[Member]) -> None:
    """Pending invitations become memberships; the oldest one is the primary company."""
    by_email = {normalize_email(member.email): member for member in members}
    emails = list(by_email)
    invitations = sorted(
        (
            invitation
            for start in range(0, len(emails), SIGN_UP_BATCH)
            for invitation in CompanyInvitation.objects.filter(
                email__in=emails[start : start + SIGN_UP_BATCH]
            )
        ),
        key=lambda invitation: invitation.pk,
    )
    with_primary: set[int] = set()
    memberships = []
    for invitation in invitations:
        member = by_email[normalize_email(invitation.email)]
        memberships.append(
            CompanyMembership(
                member=member,
                company_id=invitation.company_id,
                role=invitation.role,
                is_primary=member.pk not in with_primary,
            )
        )
        with_primary.add(member.pk)
    CompanyMembership.objects.bulk_create(memberships)
    CompanyInvitation.objects.filter(pk__in=[i.pk for i in invitations]).delete()


@transaction.atomic
def do_sign_up(
    *, email: str, password_hash: str, first_name: str, last_name: str, language: str = ""
) -> Member:
    member = Member.objects.create_user(
        email, None, first_name=first_name, last_name=last_name, language=language
    )
    member.password = password_hash
    member.save(update_fields=["password"])
    _apply_invitations([member])
    member_signed_up.send(sender=Member, member=member)
    return member


@transaction.atomic
def do_make_full_member(guest: Member) -> Member:
    """A project guest joins the coworking. The account stays the same, so their
    projects, comments, files and history stay theirs; it stops being a guest's, the
    company invitations waiting for the address apply, and ``member_signed_up`` is sent
    as for any newcomer (the PBX gives them an extension). A member is left as is."""
    locked = Member.objects.select_for_update().get(pk=guest.pk)
    if locked.is_guest:
        locked.is_guest = False
        locked.save(update_fields=["is_guest"])
        _apply_invitations([locked])
        member_signed_up.send(sender=Member, member=locked)
    guest.is_guest = False
    return locked


@transaction.atomic
def check_create_project_guest(
    *, email: str, password: str, first_name: str, last_name: str, language: str = ""
) -> Member:
    """An account for someone from outside the coworking, invited to a project.

    A guest is no member: no company, no space, no extension (nobody is told of a sign-up),
    and the community's pages and API refuse them; the projects app lets them in.
    """
    fields = _validated_sign_up(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )
    if Member.objects.filter(email__iexact=fields["email"]).exists():
        raise OfficinaError(
            _("This address has an account already: log in with it."), ErrorCode.CONFLICT
        )
    guest = Member.objects.create_user(
        fields["email"],
        None,
        first_name=fields["first_name"],
        last_name=fields["last_name"],
        language=fields["language"],
        is_guest=True,
    )
    guest.password = fields["password_hash"]
    guest.save(update_fields=["password"])
    return guest


@transaction.atomic
def do_sign_up_many(entries: Sequence[SignUp]) -> list[Member]:
    """Create many members at once (an import), in the order given, like :func:`do_sign_up`.

    Hashing a password is the slow part of a sign-up (by design), so each
    distinct password is hashed once: people imported with the same initial
    password share its salted hash until they change it.
    """
    hashes = {password: make_password(password) for password in {e.password for e in entries}}
    members = Member.objects.bulk_create(
        [
            Member(
                email=entry.email,
                password=hashes[entry.password],
                first_name=entry.first_name,
                last_name=entry.last_name,
                language=entry.language,
            )
            for entry in entries
        ],
        batch_size=SIGN_UP_BATCH,
    )
    if members:
        _apply_invitations(members)
        members_signed_up.send(sender=Member, members=members)
    return members


@transaction.atomic
def do_make_superuser(email: str, password: str) -> tuple[Member, bool]:
    """Create the superuser ``email``, or make an existing member one, with ``password``;
    True when created (``officina createadmin``)."""
    admin, created = Member.objects.get_or_create(
        email=email.lower(), defaults={"is_staff": True, "is_superuser": True}
    )
    admin.is_staff = admin.is_superuser = True
    admin.set_password(password)
    admin.save()
    return admin, created


def check_update_member_settings(
    member: Member, *, first_name: str, last_name: str, language: str, time_zone: str = ""
) -> Member:
    if not first_name.strip() or not last_name.strip():
        raise OfficinaError.invalid_input(
            _("Please tell us your first and last name."), field="first_name"
        )
    member.first_name = first_name.strip()
    member.last_name = last_name.strip()
    member.language = _language_or_empty(language)
    member.time_zone = _time_zone_or_empty(time_zone)
    member.save(update_fields=["first_name", "last_name", "language", "time_zone"])
    return member


def check_set_language(member: Member, language: str) -> Member:
    """The member's one language: the interface on every device, e-mails, notifications."""
    member.language = _language_or_empty(language)
    member.save(update_fields=["language"])
    return member


def check_set_presence_visibility(member: Member, visibility: str) -> None:
    """Who sees that ``member`` is checked in; open pages follow at once."""
    if visibility not in PresenceVisibility.values:
        raise OfficinaError.invalid_input(
            _("Choose who may see that you are here."), field="presence_visibility"
        )
    member.presence_visibility = visibility
    with transaction.atomic():
        member.save(update_fields=["presence_visibility"])
        transaction.on_commit(
            lambda: presence_visibility_changed.send(sender=Member, member=member)
        )


def check_set_kiosk_pin(member: Member, pin: str) -> None:
    """A PIN of 4 to 8 digits, not one repeated digit; stored hashed."""
    if not KIOSK_PIN_PATTERN.match(pin):
        raise OfficinaError.invalid_input(_("The PIN must be 4 to 8 digits."), field="pin")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise OfficinaError.invalid_input(_("This PIN is too easy to guess."), field="pin")
    member.kiosk_pin = make_password(pin)
    member.kiosk_pin_failures = 0
    member.kiosk_pin_locked_until = None
    member.save(update_fields=["kiosk_pin", "kiosk_pin_failures", "kiosk_pin_locked_until"])


def do_clear_kiosk_pin(member: Member) -> None:
    member.kiosk_pin = ""
    member.save(update_fields=["kiosk_pin"])


def check_kiosk_pin(member_id: int, pin: str, *, now: datetime | None = None) -> Member:
    """Verify a PIN typed at a kiosk; too many wrong tries lock the PIN for a while.

    The row is locked so that parallel guesses from two tablets count each failure.
    """
    now = now or timezone.now()
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=member_id, is_active=True).first()
        if member is None or not member.kiosk_pin:
            raise OfficinaError.invalid_input(_("Wrong PIN."), field="pin")
        if member.kiosk_pin_locked_until and member.kiosk_pin_locked_until > now:
            raise OfficinaError(
                _("Too many wrong PINs: try again in a few minutes."), ErrorCode.RATE_LIMITED
            )
        if check_password(pin, member.kiosk_pin):
            if member.kiosk_pin_failures:
                member.kiosk_pin_failures = 0
                member.kiosk_pin_locked_until = None
                member.save(update_fields=["kiosk_pin_failures", "kiosk_pin_locked_until"])
            return member
        member.kiosk_pin_failures += 1
        if member.kiosk_pin_failures >= KIOSK_PIN_MAX_FAILURES:
            member.kiosk_pin_failures = 0
            member.kiosk_pin_locked_until = now + KIOSK_PIN_LOCK
        member.save(update_fields=["kiosk_pin_failures", "kiosk_pin_locked_until"])
    raise OfficinaError.invalid_input(_("Wrong PIN."), field="pin")


# --- companies ---------------------------------------------------------------------------


# Paths under /spaces/ and /companies/ that a slug must not shadow.
RESERVED_SLUGS = frozenset({"new"})


def _unique_slug(model: type[Company] | type[Space], name: str) -> str:
    base = slugify(name)[:120] or "x"
    slug, counter = base, 2
    while slug in RESERVED_SLUGS or model.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def _chosen_slug(model: type[Company] | type[Space], slug: str) -> str:
    if slug != slugify(slug) or slug in RESERVED_SLUGS:
        raise OfficinaError.invalid_input(
            _("Use lowercase letters, digits and hyphens."), field="slug"
        )
    if model.objects.filter(slug=slug).exists():
        raise OfficinaError(_("This address is already taken."), ErrorCode.CONFLICT)
    return slug


def _clean_company_fields(name: str, website: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise OfficinaError.invalid_input(_("A company needs a name."), field="name")
    if len(name) > 120:
        raise OfficinaError.invalid_input(
            _("The name is too long (120 characters at most)."), field="name"
        )
    website = website.strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError as error:
            raise OfficinaError.invalid_input(
                _("Enter a valid web address."), field="website"
            ) from error
    return name, website


def _require_owner(actor: Member, company: Company) -> None:
    if not is_company_owner(actor, company):
        raise OfficinaError(_("Only the company's owners can do this."), ErrorCode.NOT_FOUND)


def check_create_company(
    creator: Member,
    *,
    name: str,
    description: str = "",
    website: str = "",
    city: str = "",
    space: Space | None = None,
    logo: ContentFile[bytes] | None = None,
) -> Company:
    """Create a company; its creator becomes its first owner."""
    name, website = _clean_company_fields(name, website)
    with transaction.atomic():
        company = Company.objects.create(
            name=name,
            slug=_unique_slug(Company, name),
            description=description.strip(),
            website=website,
            city=city.strip(),
            space=space,
        )
        if logo is not None:
            company.logo.save(logo.name or "logo.png", logo)
        has_primary = CompanyMembership.objects.filter(member=creator, is_primary=True).exists()
        CompanyMembership.objects.create(
            member=creator, company=company, role=CompanyRole.OWNER, is_primary=not has_primary
        )
    return company


def check_update_company(
    actor: Member,
    company: Company,
    *,
    name: str,
    description: str,
    website: str,
    city: str,
    space: Space | None,
    logo: ContentFile[bytes] | None = None,
) -> Company:
    """Owners change their company; a new logo (already validated) replaces the old one."""
    _require_owner(actor, company)
    company.name, company.website = _clean_company_fields(name, website)
    company.description = description.strip()
    company.city = city.strip()
    company.space = space
    old_logo = company.logo.name if company.logo else ""
    with transaction.atomic():
        if logo is not None:
            company.logo.save(logo.name or "logo.png", logo, save=False)
        company.save(update_fields=["name", "website", "description", "city", "space", "logo"])
    if logo is not None and old_logo:
        company.logo.storage.delete(old_logo)
    return company


def check_add_company_member(
    actor: Member,
    company: Company,
    *,
    email: str,
    role: str = CompanyRole.MEMBER,
    signup_url: str = "",
) -> CompanyInvitation:
    """Invite someone by e-mail: a member is notified and accepts or declines
    (:func:`check_answer_company_invitation`); someone without an account gets the
    invitation by e-mail and joins by signing up with that address."""
    _require_owner(actor, company)
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise OfficinaError.invalid_input(
            _("Enter a valid e-mail address."), field="email"
        ) from error
    if role not in CompanyRole.values:
        raise OfficinaError.invalid_input(_("Unknown role."), field="role")
    member = Member.objects.filter(email__iexact=email).first()
    if (
        member is not None
        and CompanyMembership.objects.filter(member=member, company=company).exists()
    ):
        raise OfficinaError(
            _("%(name)s is already in %(company)s.")
            % {"name": member.display_name, "company": company.name},
            ErrorCode.CONFLICT,
        )
    with transaction.atomic():
        invitation, created = CompanyInvitation.objects.get_or_create(
            company=company, email=email, defaults={"role": role, "invited_by": actor}
        )
        if not created:
            raise OfficinaError(_("This address has already been invited."), ErrorCode.CONFLICT)
        if member is not None:
            _notify(
                member,
                "accounts.company_invitation",
                gettext_noop("%(name)s invites you to join %(company)s."),
                {"name": actor.display_name, "company": company.name},
                actor=actor,
                url=reverse("accounts:company", args=[company.slug]),
            )
    if member is not None:
        return invitation
    send_mail(
        subject=_("%(name)s invites you to %(company)s on Officina")
        % {"name": actor.display_name, "company": company.name},
        message=_(
            "%(name)s added you to %(company)s on Officina, the coworking community.\n"
            "Sign up with this e-mail address to join: the company will be waiting for you."
        )
        % {"name": actor.display_name, "company": company.name}
        + (f"\n\n{signup_url}\n" if signup_url else ""),
        from_email=None,
        recipient_list=[email],
    )
    return invitation


def _join_company(member: Member, company: Company, role: str) -> CompanyMembership:
    has_primary = CompanyMembership.objects.filter(member=member, is_primary=True).exists()
    CompanyJoinRequest.objects.filter(member=member, company=company).delete()
    return CompanyMembership.objects.create(
        member=member, company=company, role=role, is_primary=not has_primary
    )


def _notify(
    recipient: Member | None,
    kind: str,
    message: str,
    params: dict[str, str],
    *,
    actor: Member | None = None,
    url: str = "",
) -> None:
    """Notify ``recipient`` (if any): ``message`` (marked with ``gettext_noop``) is stored in
    English with its ``params`` and worded in the reader's language when read."""
    if recipient is None:
        return
    do_notify_many([Notice(recipient, kind, message, actor, url, params=params)])


def check_answer_company_invitation(member: Member, company: Company, *, accept: bool) -> None:
    """Accept or decline the invitation to ``company`` waiting for the member's address;
    whoever invited them is told."""
    with transaction.atomic():
        invitation = (
            # Only the invitation's row: the inviter may be gone (an outer join).
            CompanyInvitation.objects.select_for_update(of=("self",))
            .select_related("invited_by")
            .filter(company=company, email__iexact=member.email)
            .first()
        )
        if invitation is None:
            raise OfficinaError(_("This invitation is no longer pending."), ErrorCode.NOT_FOUND)
        if accept and not CompanyMembership.objects.filter(member=member, company=company).exists():
            _join_company(member, company, invitation.role)
        invitation.delete()
        inviter = invitation.invited_by
        params = {"name": member.display_name, "company": company.name}
        url = reverse("accounts:company", args=[company.slug])
        if accept:
            _notify(
                inviter,
                "accounts.company_invitation_answer",
                gettext_noop("%(name)s accepted your invitation to %(company)s."),
                params,
                actor=member,
                url=url,
            )
        else:
            _notify(
                inviter,
                "accounts.company_invitation_answer",
                gettext_noop("%(name)s declined your invitation to %(company)s."),
                params,
                actor=member,
                url=url,
            )


def check_ask_to_join_company(member: Member, company: Company, *, message: str = "") -> None:
    """Ask a company's owners to take the member in; they are notified."""
    message = message.strip()
    if len(message) > JOIN_REQUEST_MESSAGE_LENGTH:
        raise OfficinaError.invalid_input(
            _("The message is too long (300 characters at most)."), field="message"
        )
    if CompanyMembership.objects.filter(member=member, company=company).exists():
        raise OfficinaError(_("You are already in this company."), ErrorCode.CONFLICT)
    try:
        with transaction.atomic():
            CompanyJoinRequest.objects.create(member=member, company=company, message=message)
            url = reverse("accounts:company", args=[company.slug]) + "#join-requests"
            params = {"name": member.display_name, "company": company.name}
            for owner in company_owners(company):
                _notify(
                    owner,
                    "accounts.company_join_request",
                    gettext_noop("%(name)s asks to join %(company)s."),
                    params,
                    actor=member,
                    url=url,
                )
    except IntegrityError as error:
        raise OfficinaError(
            _("You have already asked to join: an owner will answer."), ErrorCode.CONFLICT
        ) from error


def check_decide_company_join_request(
    owner: Member, request: CompanyJoinRequest, *, approve: bool
) -> None:
    """An owner takes the requester in as a member, or not; the requester is told."""
    _require_owner(owner, request.company)
    requester, company = request.member, request.company
    with transaction.atomic():
        if not CompanyJoinRequest.objects.select_for_update().filter(pk=request.pk).exists():
            raise OfficinaError(_("This request is no longer pending."), ErrorCode.NOT_FOUND)
        if approve:
            _join_company(requester, company, CompanyRole.MEMBER)
        else:
            CompanyJoinRequest.objects.filter(pk=request.pk).delete()
        params = {"name": owner.display_name, "company": company.name}
        url = reverse("accounts:company", args=[company.slug])
        if approve:
            _notify(
                requester,
                "accounts.company_join_decision",
                gettext_noop("Welcome to %(company)s: %(name)s accepted your request."),
                params,
                actor=owner,
                url=url,
            )
        else:
            _notify(
                requester,
                "accounts.company_join_decision",
                gettext_noop("%(name)s did not accept your request to join %(company)s."),
                params,
                actor=owner,
            )


def do_lock_member(member: Member) -> None:
    """Lock the member's row until the transaction ends: other apps serialise one
    member's concurrent requests on it (two quick taps must not both check in)."""
    Member.objects.select_for_update().filter(pk=member.pk).first()


def _owner_count(company: Company) -> int:
    return CompanyMembership.objects.filter(company=company, role=CompanyRole.OWNER).count()


def _lock_membership(company: Company, member: Member) -> CompanyMembership:
    """The member's row in the company, locked until the transaction ends."""
    membership = (
        CompanyMembership.objects.select_for_update().filter(company=company, member=member).first()
    )
    if membership is None:
        raise OfficinaError(_("This person is not in the company."), ErrorCode.NOT_FOUND)
    return membership


def check_set_company_role(actor: Member, company: Company, member: Member, role: str) -> None:
    _require_owner(actor, company)
    if role not in CompanyRole.values:
        raise OfficinaError.invalid_input(_("Unknown role."), field="role")
    with transaction.atomic():
        membership = _lock_membership(company, member)
        if (
            membership.role == CompanyRole.OWNER
            and role != CompanyRole.OWNER
            and _owner_count(company) == 1
        ):
            raise OfficinaError.invalid_input(
                _("A company needs at least one owner."), field="role"
            )
        membership.role = role
        membership.save(update_fields=["role"])


def check_remove_company_member(actor: Member, company: Company, member: Member) -> None:
    """Owners remove people; anyone may leave; the last owner may not go."""
    if actor.pk != member.pk:
        _require_owner(actor, company)
    with transaction.atomic():
        membership = _lock_membership(company, member)
        if membership.role == CompanyRole.OWNER and _owner_count(company) == 1:
            raise OfficinaError.invalid_input(
                _("A company needs at least one owner."), field="member"
            )
        membership.delete()


def check_set_primary_company(member: Member, company: Company) -> None:
    with transaction.atomic():
        membership = CompanyMembership.objects.filter(member=member, company=company).first()
        if membership is None:
            raise OfficinaError(_("You are not in this company."), ErrorCode.NOT_FOUND)
        # Clear first: the partial unique index allows one primary row per member.
        CompanyMembership.objects.filter(member=member, is_primary=True).update(is_primary=False)
        CompanyMembership.objects.filter(pk=membership.pk).update(is_primary=True)


def check_add_company_relation(
    actor: Member, company: Company, other: Company, kind: str
) -> CompanyRelation:
    """``company`` declares ``other`` its client, supplier or partner.

    A relation already declared from the other side (their supplier is our
    client) is the same fact and is refused as a duplicate.
    """
    _require_owner(actor, company)
    if kind not in RelationKind.values:
        raise OfficinaError.invalid_input(_("Unknown kind of relation."), field="kind")
    if company.pk == other.pk:
        raise OfficinaError.invalid_input(
            _("A company cannot be related to itself."), field="other"
        )
    inverse = CompanyRelation.inverse_kind(kind)
    duplicate = (
        CompanyRelation.objects.filter(from_company=company, to_company=other, kind=kind).exists()
        or CompanyRelation.objects.filter(
            from_company=other, to_company=company, kind=inverse
        ).exists()
    )
    if duplicate:
        raise OfficinaError(_("This relation is already known."), ErrorCode.CONFLICT)
    try:
        with transaction.atomic():
            return CompanyRelation.objects.create(
                from_company=company, to_company=other, kind=kind, created_by=actor
            )
    except IntegrityError as error:  # a parallel request declared it first
        raise OfficinaError(_("This relation is already known."), ErrorCode.CONFLICT) from error


def check_remove_company_relation(actor: Member, relation: CompanyRelation) -> None:
    """Either side's owners may end a relation."""
    if not (
        is_company_owner(actor, relation.from_company)
        or is_company_owner(actor, relation.to_company)
    ):
        raise OfficinaError(_("Only the company's owners can do this."), ErrorCode.NOT_FOUND)
    relation.delete()


# --- spaces ------------------------------------------------------------------------------


def _clean_space_fields(
    *, name: str, kind: str, time_zone: str, capacity: int | None
) -> tuple[str, str, str, int | None]:
    name = name.strip()
    if not name:
        raise OfficinaError.invalid_input(_("A space needs a name."), field="name")
    if kind not in SpaceKind.values:
        raise OfficinaError.invalid_input(_("Unknown kind of space."), field="kind")
    try:
        validate_time_zone(time_zone)
    except ValidationError as error:
        raise OfficinaError.invalid_input(" ".join(error.messages), field="time_zone") from error
    if capacity is not None and capacity < 1:
        raise OfficinaError.invalid_input(_("The capacity must be at least 1."), field="capacity")
    return name, kind, time_zone, capacity


class SpaceFields(TypedDict, total=False):
    """What a new space is made of; only the name is required."""

    name: Required[str]
    kind: str
    # Physical spaces are "on request" unless told otherwise, remote ones open.
    join_policy: str
    address: str
    city: str
    time_zone: str
    capacity: int | None
    description: str
    # A chosen address (/spaces/<slug>/) instead of one derived from the name.
    slug: str


def check_create_space(actor: Member, **fields: Unpack[SpaceFields]) -> Space:
    """Staff open new spaces; the one who opens it becomes its first manager."""
    if not (actor.is_staff or actor.is_superuser):
        raise OfficinaError(_("Only staff can open a new space."), ErrorCode.PERMISSION_DENIED)
    return do_create_space(actor, **fields)


def do_create_space(manager: Member, **fields: Unpack[SpaceFields]) -> Space:
    """Open a space with ``manager`` as its first manager, whoever asks.

    For the operator's own tools (a first set-up, an import): the fields are
    still checked, but not the right to open a space.
    """
    name, kind, time_zone, capacity = _clean_space_fields(
        name=fields["name"],
        kind=fields.get("kind", SpaceKind.PHYSICAL),
        time_zone=fields.get("time_zone", "Europe/Rome"),
        capacity=fields.get("capacity"),
    )
    slug = fields.get("slug", "")
    default_policy = JoinPolicy.OPEN if kind == SpaceKind.REMOTE else JoinPolicy.REQUEST
    join_policy = _clean_join_policy(fields.get("join_policy") or default_policy)
    with transaction.atomic():
        space = Space.objects.create(
            name=name,
            slug=_chosen_slug(Space, slug) if slug else _unique_slug(Space, name),
            kind=kind,
            address=fields.get("address", "").strip(),
            city=fields.get("city", "").strip(),
            time_zone=time_zone,
            capacity=capacity,
            description=fields.get("description", "").strip(),
            join_policy=join_policy,
        )
        SpaceMembership.objects.create(member=manager, space=space, role=SpaceRole.MANAGER)
    return space


def check_update_space(
    actor: Member,
    space: Space,
    *,
    name: str,
    address: str,
    city: str,
    time_zone: str,
    capacity: int | None,
    description: str,
    join_policy: str | None = None,
) -> Space:
    if not is_space_manager(actor, space):
        raise OfficinaError(_("Only the space's managers can do this."), ErrorCode.NOT_FOUND)
    if join_policy:
        space.join_policy = _clean_join_policy(join_policy)
    space.name, _kind, space.time_zone, space.capacity = _clean_space_fields(
        name=name, kind=space.kind, time_zone=time_zone, capacity=capacity
    )
    space.address = address.strip()
    space.city = city.strip()
    space.description = description.strip()
    space.save(
        update_fields=[
            "name",
            "time_zone",
            "capacity",
            "address",
            "city",
            "description",
            "join_policy",
        ]
    )
    return space


def _clean_join_policy(join_policy: str) -> str:
    if join_policy not in JoinPolicy.values:
        raise OfficinaError.invalid_input(_("Unknown way of joining."), field="join_policy")
    return join_policy


def do_join_space(member: Member, space: Space) -> SpaceMembership:
    """Make ``member`` one of the space's members, whatever its policy (an operator's
    import, an approved request); members join through :func:`check_join_space`."""
    membership, _created = SpaceMembership.objects.get_or_create(
        member=member, space=space, defaults={"role": SpaceRole.MEMBER}
    )
    SpaceJoinRequest.objects.filter(member=member, space=space).delete()
    return membership


JOIN_REQUEST_MESSAGE_LENGTH = 300


def check_join_space(member: Member, space: Space, *, message: str = "") -> bool:
    """Join an open space, or ask to join one "on request" (its managers are notified);
    a space "by invitation" takes only the people its managers add. True when the member
    is in, False when their request waits for a manager."""
    message = message.strip()
    if len(message) > JOIN_REQUEST_MESSAGE_LENGTH:
        raise OfficinaError.invalid_input(
            _("The message is too long (300 characters at most)."), field="message"
        )
    if SpaceMembership.objects.filter(member=member, space=space).exists():
        raise OfficinaError(_("You are already a member of this space."), ErrorCode.CONFLICT)
    if space.join_policy == JoinPolicy.OPEN:
        with transaction.atomic():
            do_join_space(member, space)
        return True
    if space.join_policy == JoinPolicy.INVITATION:
        raise OfficinaError(
            _("%(space)s takes new members by invitation of its managers only.")
            % {"space": space.name},
            ErrorCode.PERMISSION_DENIED,
        )
    try:
        with transaction.atomic():
            request = SpaceJoinRequest.objects.create(member=member, space=space, message=message)
            _notify_managers_of_request(request)
    except IntegrityError as error:
        raise OfficinaError(
            _("You have already asked to join: a manager will answer."), ErrorCode.CONFLICT
        ) from error
    return False


def _notify_managers_of_request(request: SpaceJoinRequest) -> None:
    url = reverse("presence:join_requests", args=[request.space.slug])
    message = gettext_noop("%(name)s asks to join %(space)s.")
    params = {"name": request.member.display_name, "space": request.space.name}
    do_notify_many(
        [
            Notice(manager, "accounts.join_request", message, request.member, url, params=params)
            for manager in space_managers(request.space)
        ]
    )


def check_cancel_join_request(member: Member, space: Space) -> None:
    deleted, _rows = SpaceJoinRequest.objects.filter(member=member, space=space).delete()
    if not deleted:
        raise OfficinaError(_("You have not asked to join this space."), ErrorCode.NOT_FOUND)


def check_decide_join_request(manager: Member, request: SpaceJoinRequest, *, approve: bool) -> None:
    """A manager lets the requester in, or not; either way the requester is told."""
    if not is_space_manager(manager, request.space):
        raise OfficinaError(_("This request is no longer pending."), ErrorCode.NOT_FOUND)
    requester, space = request.member, request.space
    with transaction.atomic():
        # The row lock makes two managers deciding at once agree: the second finds nothing.
        if not SpaceJoinRequest.objects.select_for_update().filter(pk=request.pk).exists():
            raise OfficinaError(_("This request is no longer pending."), ErrorCode.NOT_FOUND)
        if approve:
            do_join_space(requester, space)
        else:
            SpaceJoinRequest.objects.filter(pk=request.pk).delete()
        if approve:
            message = gettext_noop("Welcome to %(space)s: %(name)s accepted your request.")
        else:
            message = gettext_noop("%(name)s did not accept your request to join %(space)s.")
        _notify(
            requester,
            "accounts.join_decision",
            message,
            {"space": space.name, "name": manager.display_name},
            actor=manager,
            url=reverse("presence:space", args=[space.slug]) if approve else "",
        )


def _manager_count(space: Space) -> int:
    return SpaceMembership.objects.filter(space=space, role=SpaceRole.MANAGER).count()


def check_leave_space(member: Member, space: Space) -> None:
    with transaction.atomic():
        membership = (
            SpaceMembership.objects.select_for_update().filter(member=member, space=space).first()
        )
        if membership is None:
            raise OfficinaError(_("You are not a member of this space."), ErrorCode.NOT_FOUND)
        if membership.role == SpaceRole.MANAGER and _manager_count(space) == 1:
            raise OfficinaError.invalid_input(
                _("A space needs at least one manager."), field="member"
            )
        membership.delete()


def check_set_space_role(actor: Member, space: Space, member: Member, role: str) -> None:
    """Managers add people to a space and promote or demote managers."""
    if not is_space_manager(actor, space):
        raise OfficinaError(_("Only the space's managers can do this."), ErrorCode.NOT_FOUND)
    if role not in SpaceRole.values:
        raise OfficinaError.invalid_input(_("Unknown role."), field="role")
    with transaction.atomic():
        membership = (
            SpaceMembership.objects.select_for_update().filter(member=member, space=space).first()
        )
        if membership is None:
            if member.is_guest:
                # A manager taking a project guest into the space makes them a member.
                do_make_full_member(member)
            SpaceMembership.objects.create(member=member, space=space, role=role)
            # Added by a manager: a request they had made is answered.
            SpaceJoinRequest.objects.filter(member=member, space=space).delete()
            return
        if (
            membership.role == SpaceRole.MANAGER
            and role != SpaceRole.MANAGER
            and _manager_count(space) == 1
        ):
            raise OfficinaError.invalid_input(
                _("A space needs at least one manager."), field="role"
            )
        membership.role = role
        membership.save(update_fields=["role"])


def do_remove_owners(owners: Sequence[Company] | Sequence[Space]) -> None:
    """Remove the companies or spaces ``owners`` with everything that goes with them (the
    database's cascade: a company's hold music, projects and their files, a space's
    resources and their photos, either's trunks, ring groups and menus), and once that
    is committed, the stored files of every row removed (its logo, its menus' greetings,
    ...): Django leaves a removed row's files in storage by design, and nothing would
    ever read them again. Inside the transaction that checked the removal
    (``trunks.actions.hold_owners_for_removal``); a removal rolled back keeps them."""
    files = _stored_files_going_with(owners)
    for owner in owners:
        owner.delete()
    transaction.on_commit(lambda: _delete_stored_files(files))


def _stored_files_going_with(
    owners: Sequence[Company] | Sequence[Space],
) -> list[tuple[Storage, str]]:
    # Only the file columns of the rows the cascade removes, streamed: a space with years
    # of bookings must not be loaded row by row to find its few photos.
    if not owners:
        return []
    files: dict[tuple[Storage, str], None] = {}  # ordered, each file once
    for model, lookup in _cascade_paths(type(owners[0])):
        columns = [field for field in model._meta.concrete_fields if isinstance(field, FileField)]
        if not columns:
            continue
        names = (
            model._base_manager.filter(**{lookup: [owner.pk for owner in owners]})
            .values_list(*(field.attname for field in columns))
            .iterator()
        )
        for row in names:
            for field, name in zip(columns, row, strict=True):
                if name:
                    files[field.storage, name] = None
    return list(files)


def _cascade_paths(root: type[Model]) -> list[tuple[type[Model], str]]:
    """Every model a removal of ``root`` rows deletes with them (``on_delete=CASCADE``,
    followed down), each with the lookup from it to the ``root`` rows (``"pk__in"`` for
    ``root`` itself, ``"resource__space__in"`` for a space's resources' photos). A model
    reached along two paths is listed on both; a path never visits a model twice."""
    paths: list[tuple[type[Model], str]] = []

    def walk(model: type[Model], path: tuple[str, ...], seen: frozenset[type[Model]]) -> None:
        paths.append((model, "__".join((*path, "in")) if path else "pk__in"))
        # Hidden relations too (``related_name="+"``, a project's owning company): the
        # cascade follows them.
        for relation in model._meta.get_fields(include_hidden=True):
            child = relation.related_model
            if (
                isinstance(relation, ForeignObjectRel)
                and relation.auto_created
                and relation.on_delete is CASCADE
                and not relation.many_to_many
                and isinstance(child, type)
                and child not in seen
            ):
                walk(child, (relation.field.name, *path), seen | {child})

    walk(root, (), frozenset({root}))
    return paths


def _delete_stored_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)
