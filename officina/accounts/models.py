"""Members, companies and their relations, spaces and who belongs where.

A member belongs to companies (as owner or member, one of them primary) and to
spaces (as member or manager). Companies name each other as clients,
suppliers or partners; a relation is stored once, from the company that
declared it, and read from both sides (see ``CompanyRelation.inverse_kind``).
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .kinds import (
    CompanyRole,
    JoinPolicy,
    PresenceVisibility,
    RelationKind,
    SpaceKind,
    SpaceRole,
)
from .names import shown_name


class MemberManager(BaseUserManager["Member"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Member:
        if not email:
            raise ValueError("A member needs an e-mail address.")
        member = self.model(email=self.normalize_email(email).lower(), **fields)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> Member:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class Member(AbstractUser):
    """A person of the community; signs in with their e-mail address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("Interface language; empty follows the browser."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Where the member reads times; empty is the community's."),
    )
    # The PIN typed on the tablet at the door; hashed like a password.
    kiosk_pin = models.CharField(_("kiosk PIN"), max_length=128, blank=True)
    kiosk_pin_failures = models.PositiveSmallIntegerField(default=0)
    kiosk_pin_locked_until = models.DateTimeField(null=True, blank=True)
    presence_visibility = models.CharField(
        _("who sees that I am here"),
        max_length=10,
        choices=PresenceVisibility.choices,
        default=PresenceVisibility.SPACES,
    )
    # Someone from outside the coworking (a client, a supplier's person) invited to
    # projects: they sign in to those projects and see nothing else of the community.
    is_guest = models.BooleanField(
        _("project guest"),
        default=False,
        help_text=_("Signs in only to the projects they are invited to."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[MemberManager] = MemberManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ("first_name", "last_name", "id")
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="member_name_idx"),
            # Post queries exclude deactivated authors by id (social.access.visible_posts);
            # they are few, so this index is tiny and spares a scan of every member.
            models.Index(fields=["id"], condition=Q(is_active=False), name="member_inactive"),
            # Guests are hidden like deactivated members, and are as few.
            models.Index(fields=["id"], condition=Q(is_guest=True), name="member_guest"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return shown_name(self.first_name, self.last_name, self.email)

    @property
    def initials(self) -> str:
        parts = [part for part in (self.first_name, self.last_name) if part]
        if not parts:
            return self.email[:1].upper()
        return "".join(part[0] for part in parts).upper()

    @property
    def has_kiosk_pin(self) -> bool:
        return bool(self.kiosk_pin)


class Company(models.Model):
    """A firm of the community: a studio, an agency, a freelancer's business, a bakery."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    logo = models.ImageField(_("logo"), upload_to="companies/", blank=True)
    # Where the company is based in the community, if anywhere.
    space = models.ForeignKey(
        "Space",
        verbose_name=_("space"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class CompanyMembership(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="company_memberships",
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=CompanyRole.choices, default=CompanyRole.MEMBER
    )
    is_primary = models.BooleanField(_("primary company"), default=False)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company membership")
        verbose_name_plural = _("company memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "company"], name="one_membership_per_company"
            ),
            models.UniqueConstraint(
                fields=["member"], condition=Q(is_primary=True), name="one_primary_company"
            ),
        ]
        indexes = [models.Index(fields=["company", "role"], name="company_role_idx")]

    def __str__(self) -> str:
        return f"{self.member} @ {self.company} ({self.role})"


class CompanyInvitation(models.Model):
    """An owner invites someone to a company, by e-mail address.

    A member with that address accepts or declines it; someone without an account
    gets it by e-mail, and it is applied when they sign up with that address.
    """

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=CompanyRole.choices, default=CompanyRole.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company invitation")
        verbose_name_plural = _("company invitations")
        constraints = [
            models.UniqueConstraint(fields=["company", "email"], name="one_invitation_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"


class CompanyJoinRequest(models.Model):
    """A member asks to join a company; one of its owners decides.

    Only pending requests are stored, as for spaces (``SpaceJoinRequest``).
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="company_join_requests",
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request to join a company")
        verbose_name_plural = _("requests to join a company")
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "company"], name="one_join_request_per_company"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.company}"


class CompanyRelation(models.Model):
    """``from_company`` says that ``to_company`` is its client, supplier or partner."""

    INVERSE_KIND: ClassVar[dict[str, str]] = {
        RelationKind.CLIENT: RelationKind.SUPPLIER,
        RelationKind.SUPPLIER: RelationKind.CLIENT,
        RelationKind.PARTNER: RelationKind.PARTNER,
    }

    from_company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="relations_out",
    )
    to_company = models.ForeignKey(
        Company,
        verbose_name=_("related company"),
        on_delete=models.CASCADE,
        related_name="relations_in",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RelationKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company relation")
        verbose_name_plural = _("company relations")
        constraints = [
            models.UniqueConstraint(
                fields=["from_company", "to_company", "kind"], name="one_relation_per_pair_kind"
            ),
            models.CheckConstraint(
                condition=~Q(from_company=F("to_company")), name="relation_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to_company} is a {self.kind} of {self.from_company}"

    @classmethod
    def inverse_kind(cls, kind: str) -> str:
        """How the relation reads from the other company: my client has me as supplier."""
        return cls.INVERSE_KIND[kind]


@cache
def _available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _available_time_zones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name such as Europe/Rome."),
            code="invalid_time_zone",
            params={"value": value},
        )


class Space(models.Model):
    """A place where members cowork: a physical space, or the remote digital coworking."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=SpaceKind.choices, default=SpaceKind.PHYSICAL
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Rome", validators=[validate_time_zone]
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Desks available; empty for no limit."),
    )
    description = models.TextField(_("description"), blank=True)
    # Physical spaces start "on request": who is at the desk next to you is not for strangers.
    join_policy = models.CharField(
        _("who may join"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.REQUEST
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ("kind", "name", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def is_remote(self) -> bool:
        return self.kind == SpaceKind.REMOTE

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class SpaceMembership(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="space_memberships",
    )
    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=SpaceRole.choices, default=SpaceRole.MEMBER
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("space membership")
        verbose_name_plural = _("space memberships")
        constraints = [
            models.UniqueConstraint(fields=["member", "space"], name="one_membership_per_space")
        ]
        indexes = [models.Index(fields=["space", "role"], name="space_role_idx")]

    def __str__(self) -> str:
        return f"{self.member} @ {self.space} ({self.role})"


class SpaceJoinRequest(models.Model):
    """A member asks to join a space whose policy is "on request"; a manager decides.

    Only pending requests are stored: approving makes a membership, and either
    decision removes the request (the requester is notified of it).
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="space_join_requests",
    )
    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request to join a space")
        verbose_name_plural = _("requests to join a space")
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["member", "space"], name="one_join_request_per_space")
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.space}"
