"""Reads of members, companies, relations and spaces, shaped for the pages that show them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from .kinds import CompanyRole, PresenceVisibility, RelationKind, SpaceRole
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
)


def companies_directory(query: str = "") -> QuerySet[Company]:
    """Companies with their number of people, for the directory (one query per page)."""
    companies = Company.objects.select_related("space").annotate(
        people_count=Count("memberships", distinct=True)
    )
    query = query.strip()
    if query:
        companies = companies.filter(
            Q(name__icontains=query) | Q(city__icontains=query) | Q(description__icontains=query)
        )
    return companies.order_by("name", "id")


def company_people(company: Company) -> list[CompanyMembership]:
    """Owners first, then members, by name."""
    return list(
        CompanyMembership.objects.filter(company=company)
        .select_related("member")
        .order_by("-role", "member__first_name", "member__last_name", "member__id")
    )


@dataclass
class RelatedCompany:
    company: Company
    relation: CompanyRelation
    declared_by_us: bool


@dataclass
class CompanyRelations:
    clients: list[RelatedCompany] = field(default_factory=list)
    suppliers: list[RelatedCompany] = field(default_factory=list)
    partners: list[RelatedCompany] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.clients or self.suppliers or self.partners)


def company_relations(company: Company) -> CompanyRelations:
    """Relations read from ``company``'s side, whichever side declared them.

    "A says B is its client" shows B among A's clients and A among B's suppliers.
    """
    relations = CompanyRelation.objects.filter(
        Q(from_company=company) | Q(to_company=company)
    ).select_related("from_company", "to_company")
    result = CompanyRelations()
    buckets = {
        RelationKind.CLIENT: result.clients,
        RelationKind.SUPPLIER: result.suppliers,
        RelationKind.PARTNER: result.partners,
    }
    for relation in relations:
        if relation.from_company_id == company.pk:
            kind, other, ours = relation.kind, relation.to_company, True
        else:
            kind = CompanyRelation.inverse_kind(relation.kind)
            other, ours = relation.from_company, False
        buckets[RelationKind(kind)].append(RelatedCompany(other, relation, ours))
    for bucket in buckets.values():
        bucket.sort(key=lambda related: related.company.name.lower())
    return result


# Who may see whom -----------------------------------------------------------------------
# Only signed-in, active members see the community; of the other members they see the
# active ones. A deactivated member disappears from the directory, profiles, search,
# feeds, comments, messages, skills and every list of people. Project guests (people
# from outside invited to projects) neither see the community nor appear in it: the
# projects app shows them to the people of their projects only.


def may_see_members(viewer: object) -> bool:
    """Whether ``viewer`` (a member, an anonymous user or None) sees the community at all."""
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and getattr(viewer, "is_active", False)
        and not getattr(viewer, "is_guest", False)
    )


def is_visible_member(member: Member) -> bool:
    return member.is_active and not member.is_guest


def visible_members_q(via: str = "") -> Q:
    """``visible_members`` as a filter: on members, or through ``via`` on rows that point
    at one (``visible_members_q("author")`` for posts)."""
    prefix = f"{via}__" if via else ""
    return Q(**{f"{prefix}is_active": True, f"{prefix}is_guest": False})


# Whose presence a viewer may see ----------------------------------------------------------
# Each member chooses who sees that they are checked in (``PresenceVisibility``): everyone
# in the spaces they belong to, only the people of their companies, or nobody; they always
# see themselves. Only members of a space see anyone there. Presence's selectors apply
# these fragments to every read, so no page, push or API answer decides it alone.


def presence_shown_to_q(viewer: Member, via: str = "") -> Q:
    """Members whose presence ``viewer`` may see by each one's choice, as a filter on
    members or through ``via`` (``"member"`` on check-ins); the space is the caller's part
    (``presence_spaces_q``)."""
    if not may_see_members(viewer):
        return Q(pk__in=[])
    prefix, pk = (f"{via}__", f"{via}_id") if via else ("", "pk")
    colleague_ids = CompanyMembership.objects.filter(
        company_id__in=member_company_ids_query(viewer)
    ).values("member_id")
    everyone_in_the_space = Q(**{f"{prefix}presence_visibility": PresenceVisibility.SPACES})
    colleagues = Q(
        **{f"{prefix}presence_visibility": PresenceVisibility.COMPANIES, f"{pk}__in": colleague_ids}
    )
    return Q(**{pk: viewer.pk}) | (visible_members_q(via) & (everyone_in_the_space | colleagues))


def presence_spaces_q(viewer: Member, via: str = "space") -> Q:
    """Rows in spaces whose presence ``viewer`` may see: those they belong to (operators:
    every space, as they hold a manager's rights everywhere)."""
    if not may_see_members(viewer):
        return Q(pk__in=[])
    if viewer.is_superuser:
        return Q()
    return Q(**{f"{via}_id__in": member_space_ids_query(viewer)})


def presence_shown_to(viewer: Member, member_id: int) -> bool:
    """Whether ``viewer`` may see where ``member_id`` is (by that member's choice)."""
    return Member.objects.filter(pk=member_id).filter(presence_shown_to_q(viewer)).exists()


def presence_visible_member_ids(viewer: Member, member_ids: Iterable[int]) -> set[int]:
    """Which of ``member_ids`` ``viewer`` may see the presence of on a page that is no
    space's list (the directory, a profile): by each one's choice, and only if they share
    a space, as who's here shows people only to members of the space (operators: every
    space). Themselves always."""
    ids = list(member_ids)
    if not ids or not may_see_members(viewer):
        return set()
    shown = presence_shown_to_q(viewer)
    if not viewer.is_superuser:
        sharing = SpaceMembership.objects.filter(
            space_id__in=member_space_ids_query(viewer)
        ).values("member_id")
        shown &= Q(pk=viewer.pk) | Q(pk__in=sharing)
    return set(Member.objects.filter(pk__in=ids).filter(shown).values_list("pk", flat=True))


def visible_members() -> QuerySet[Member]:
    return Member.objects.filter(visible_members_q())


def hidden_members() -> QuerySet[Member]:
    """The members nobody else sees (the complement of ``visible_members``)."""
    return Member.objects.filter(~visible_members_q())


def visible_member_by_id(member_id: int) -> Member | None:
    return visible_members().filter(pk=member_id).first()


def member_by_id(member_id: int) -> Member | None:
    """Any member, visible or not: for background work that decides for itself."""
    return Member.objects.filter(pk=member_id).first()


def members_by_ids(member_ids: list[int]) -> list[Member]:
    """Any members, visible or not, of these ids (missing ones left out), by id."""
    return list(Member.objects.filter(pk__in=member_ids).order_by("pk"))


# A member's companies ---------------------------------------------------------------------

# Companies as a member's page lists them: the primary one first, then by name.
_LISTED_COMPANIES = ("-is_primary", "company__name")
# The company a member is shown with: the one marked primary; without one, the company
# they joined first.
_PRIMARY_COMPANY_FIRST = ("-is_primary", "joined_at", "id")


def member_companies(member: Member) -> list[CompanyMembership]:
    return list(
        CompanyMembership.objects.filter(member=member)
        .select_related("company")
        .order_by(*_LISTED_COMPANIES)
    )


def with_companies_listed(members: QuerySet[Member], to_attr: str) -> QuerySet[Member]:
    """``members`` with each one's ``member_companies`` in ``to_attr``: one more query."""
    return members.prefetch_related(
        Prefetch(
            "company_memberships",
            queryset=CompanyMembership.objects.select_related("company").order_by(
                *_LISTED_COMPANIES
            ),
            to_attr=to_attr,
        )
    )


def primary_company(member: Member) -> Company | None:
    membership = (
        CompanyMembership.objects.filter(member=member)
        .select_related("company")
        .order_by(*_PRIMARY_COMPANY_FIRST)
        .first()
    )
    return membership.company if membership else None


def primary_company_names(member_ids: list[int]) -> dict[int, str]:
    """member id → name of their ``primary_company``, for many members in one query."""
    rows = (
        CompanyMembership.objects.filter(member_id__in=member_ids)
        .order_by("member_id", *_PRIMARY_COMPANY_FIRST)
        .values_list("member_id", "company__name")
    )
    names: dict[int, str] = {}
    for member_id, company_name in rows:
        names.setdefault(member_id, company_name)
    return names


def company_ids_of_members(member_ids: list[int] | None = None) -> dict[int, tuple[int, ...]]:
    """member id → ids of their companies, the primary one first: of visible members
    (all of them, or those of ``member_ids``), in one query."""
    rows = CompanyMembership.objects.filter(visible_members_q("member"))
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    companies: dict[int, list[int]] = {}
    for member_id, company_id in rows.order_by("member_id", *_PRIMARY_COMPANY_FIRST).values_list(
        "member_id", "company_id"
    ):
        companies.setdefault(member_id, []).append(company_id)
    return {member_id: tuple(ids) for member_id, ids in companies.items()}


def visible_member_ids_by_email(emails: list[str]) -> dict[str, int]:
    """lower-cased e-mail address → id of the visible member who has it, for ``emails``."""
    wanted = {email.strip().lower() for email in emails if email.strip()}
    if not wanted:
        return {}
    # Compared without case, as people type addresses.
    rows = (
        visible_members()
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted)
        .values_list("email_lower", "id")
    )
    return dict(rows)


def member_company_ids_query(member: Member) -> QuerySet[CompanyMembership, Any]:
    """The ids of the member's companies, as a subquery to filter by."""
    return CompanyMembership.objects.filter(member=member).values("company_id")


def member_companies_by_name(member: Member) -> QuerySet[Company]:
    return Company.objects.filter(memberships__member=member).order_by("name")


def company_by_slug(slug: str) -> Company | None:
    return Company.objects.filter(slug=slug).first()


def owned_company_ids(member: Member) -> set[int]:
    return set(
        CompanyMembership.objects.filter(member=member, role=CompanyRole.OWNER).values_list(
            "company_id", flat=True
        )
    )


def member_space_roles(member: Member) -> dict[int, str]:
    """space id → role, for the spaces the member belongs to."""
    if not member.is_authenticated:
        return {}
    return dict(SpaceMembership.objects.filter(member=member).values_list("space_id", "role"))


def space_member_roles(space_id: int) -> dict[int, str]:
    """member id → role, for the people of a space."""
    return dict(SpaceMembership.objects.filter(space_id=space_id).values_list("member_id", "role"))


def superuser_ids() -> set[int]:
    return set(Member.objects.filter(is_superuser=True).values_list("pk", flat=True))


def member_space_ids(member: Member) -> set[int]:
    return set(member_space_roles(member))


def member_space_ids_query(member: Member) -> QuerySet[SpaceMembership, Any]:
    """The ids of the member's spaces, as a subquery to filter by."""
    return SpaceMembership.objects.filter(member=member).values("space_id")


def member_spaces_by_name(member: Member) -> QuerySet[Space]:
    return Space.objects.filter(memberships__member=member).order_by("name")


def belongs_to_space(member_id: int, space_id: int) -> bool:
    return SpaceMembership.objects.filter(space_id=space_id, member_id=member_id).exists()


def manages_space(member_id: int, space_id: int) -> bool:
    return SpaceMembership.objects.filter(
        space_id=space_id, member_id=member_id, role=SpaceRole.MANAGER
    ).exists()


def share_a_space(one: Member, other: Member) -> bool:
    return SpaceMembership.objects.filter(member=one, space__memberships__member=other).exists()


def spaces_by_name() -> QuerySet[Space]:
    return Space.objects.order_by("name")


def spaces_by_kind() -> QuerySet[Space]:
    """Physical spaces first, then remote ones, each by name."""
    return Space.objects.order_by("kind", "name")


def space_by_slug(slug: str) -> Space | None:
    return Space.objects.filter(slug=slug).first()


def company_invitation_for(member: Member, company: Company) -> CompanyInvitation | None:
    """The invitation to ``company`` waiting for the member's address, if any."""
    return CompanyInvitation.objects.filter(company=company, email__iexact=member.email).first()


def member_company_invitations(member: Member) -> list[CompanyInvitation]:
    return list(
        CompanyInvitation.objects.filter(email__iexact=member.email)
        .select_related("company", "invited_by")
        .order_by("created_at", "id")
    )


def company_join_requests(company: Company) -> list[CompanyJoinRequest]:
    """The company's pending requests to join, oldest first, with who asked."""
    return list(
        CompanyJoinRequest.objects.filter(company=company, member__is_active=True).select_related(
            "member"
        )
    )


def has_requested_to_join_company(member: Member, company: Company) -> bool:
    return CompanyJoinRequest.objects.filter(member=member, company=company).exists()


def company_owners(company: Company) -> list[Member]:
    return [
        membership.member
        for membership in CompanyMembership.objects.filter(
            company=company, role=CompanyRole.OWNER
        ).select_related("member")
    ]


def space_join_requests(space: Space) -> list[SpaceJoinRequest]:
    """The space's pending requests to join, oldest first, with who asked."""
    return list(
        SpaceJoinRequest.objects.filter(space=space, member__is_active=True).select_related(
            "member"
        )
    )


def has_requested_to_join(member: Member, space: Space) -> bool:
    return SpaceJoinRequest.objects.filter(member=member, space=space).exists()


def all_spaces() -> list[Space]:
    return list(Space.objects.annotate(members_count=Count("memberships")).order_by("kind", "name"))


def space_managers(space: Space) -> list[Member]:
    return [
        membership.member
        for membership in SpaceMembership.objects.filter(
            space=space, role=SpaceRole.MANAGER
        ).select_related("member")
    ]


def space_members(space: Space, query: str = "") -> QuerySet[Member]:
    members = visible_members().filter(space_memberships__space=space)
    query = query.strip()
    for word in query.split()[:3]:
        members = members.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__iexact=word)
        )
    return members.order_by("first_name", "last_name", "id")


def find_member_by_email(email: str) -> Member | None:
    return visible_members().filter(email__iexact=email.strip()).first()


def account_by_email(email: str) -> Member | None:
    """The active account of an address, a member's or a project guest's."""
    return Member.objects.filter(email__iexact=email.strip(), is_active=True).first()


def is_project_guest(user: object) -> bool:
    """Whether ``user`` (any request user) is a signed-in project guest."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_guest", False))


def community_members() -> QuerySet[Member]:
    """Active members who are not the site's operators (superusers), oldest first."""
    return visible_members().filter(is_superuser=False).order_by("pk")


# For the search index ---------------------------------------------------------------------


def members_to_index() -> QuerySet[Member]:
    """Visible members with their companies in ``company_memberships``."""
    return visible_members().prefetch_related(
        Prefetch(
            "company_memberships", queryset=CompanyMembership.objects.select_related("company")
        )
    )


def companies_to_index() -> QuerySet[Company]:
    return Company.objects.select_related("space")


def existing_company_ids(ids: list[int]) -> set[int]:
    """Every signed-in member may see every company: those of ``ids`` that still exist."""
    return set(Company.objects.filter(pk__in=ids).values_list("pk", flat=True))


def company_member_ids(company_id: int) -> list[int]:
    return list(
        CompanyMembership.objects.filter(company_id=company_id).values_list("member_id", flat=True)
    )


# A company or a space owns the phone system's things (trunks, numbers, ring groups,
# business hours): each of those names its owner in a field of that name.
PhoneOwner = Company | Space


def owner_field(owner: PhoneOwner) -> str:
    """The field ("company" or "space") that names ``owner`` on what it owns."""
    return "space" if isinstance(owner, Space) else "company"


def lock_owners_for_removal(owners: Iterable[PhoneOwner]) -> None:
    """Row-lock (``FOR UPDATE``), until the transaction ends, the companies and the spaces
    ``owners`` about to be removed, companies before spaces, each by id: one order for
    every removal, so two never wait for each other. A ring group, a menu or a number
    being made for one of them waits for the removal (``hold_owner_while_adding``). A
    no-op lock on SQLite, whose write transactions are serialised already."""
    owners = list(owners)
    for model in (Company, Space):
        ids = sorted(owner.pk for owner in owners if isinstance(owner, model))
        if ids:
            list(model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def hold_owner_while_adding(owner: PhoneOwner) -> bool:
    """Share-lock the row of ``owner`` (a company or a space) until the transaction ends,
    while a ring group, a menu or a number is made for it; False when it is gone. The
    lock is PostgreSQL's ``FOR KEY SHARE``, the one a foreign key's insert takes: it
    waits only for a removal (``lock_owners_for_removal``), never for an update of the
    owner's row (a space's removal sets its companies' space to nothing, and must not wait
    for a company's new group that waits, in turn, for one of the space's groups). Django
    says only ``FOR UPDATE`` and ``FOR NO KEY UPDATE``, hence the SQL. SQLite's write
    transactions are serialised already."""
    model = Space if isinstance(owner, Space) else Company
    if connection.vendor != "postgresql":
        return model.objects.filter(pk=owner.pk).exists()
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [owner.pk])  # noqa: S608 (the table's name is the model's, quoted)
        return cursor.fetchone() is not None


def owned_by_any(owners: Iterable[PhoneOwner]) -> Q:
    """What any of ``owners`` (companies and spaces) owns, as a filter of a model whose
    owner is named in ``company`` or ``space``; nothing when there are none."""
    ids: dict[str, list[int]] = {"company": [], "space": []}
    for owner in owners:
        ids[owner_field(owner)].append(owner.pk)
    return Q(company__in=ids["company"]) | Q(space__in=ids["space"])


def _owner_memberships(
    owner: PhoneOwner,
) -> QuerySet[SpaceMembership, SpaceMembership] | QuerySet[CompanyMembership, CompanyMembership]:
    """The memberships that make someone one of ``owner``'s people for its phone system: a
    company's people, a space's members, only those others may see (an account closed, a
    project guest: nobody's to ring, nor to read). The one rule behind
    ``owner_people_ids`` and ``owner_people``, so a single read and a list agree."""
    if isinstance(owner, Space):
        return SpaceMembership.objects.filter(visible_members_q("member"), space=owner)
    return CompanyMembership.objects.filter(visible_members_q("member"), company=owner)


def owner_people_ids(owner: PhoneOwner) -> set[int]:
    """Who a company's or a space's phone system may ring: its people, or its members."""
    return set(_owner_memberships(owner).values_list("member_id", flat=True))


def space_ids_of_members() -> dict[int, tuple[int, ...]]:
    """member id → the ids of the spaces they belong to."""
    spaces: dict[int, list[int]] = {}
    for member_id, space_id in SpaceMembership.objects.values_list("member_id", "space_id"):
        spaces.setdefault(member_id, []).append(space_id)
    return {member_id: tuple(ids) for member_id, ids in spaces.items()}


def owner_people(owner: PhoneOwner) -> list[Member]:
    """``owner_people_ids``'s people, as a ring group or a list of forwarding shows them:
    a company's owners first, then by name; a space's members by name."""
    by_name = ("member__first_name", "member__last_name", "member__id")
    memberships = _owner_memberships(owner).select_related("member")
    if isinstance(owner, Space):
        return [membership.member for membership in memberships.order_by(*by_name)]
    return [membership.member for membership in memberships.order_by("-role", *by_name)]
