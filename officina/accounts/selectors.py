"""Reads of members, companies, relations and spaces, shaped for the pages that show them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from .models import (
    Company,
    CompanyMembership,
    CompanyRelation,
    CompanyRole,
    Member,
    RelationKind,
    Space,
    SpaceMembership,
    SpaceRole,
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


def member_companies(member: Member) -> list[CompanyMembership]:
    return list(
        CompanyMembership.objects.filter(member=member)
        .select_related("company")
        .order_by("-is_primary", "company__name")
    )


def primary_company(member: Member) -> Company | None:
    membership = (
        CompanyMembership.objects.filter(member=member)
        .select_related("company")
        .order_by("-is_primary", "joined_at", "id")
        .first()
    )
    return membership.company if membership else None


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


def member_space_ids(member: Member) -> set[int]:
    return set(member_space_roles(member))


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
    members = Member.objects.filter(space_memberships__space=space, is_active=True)
    query = query.strip()
    for word in query.split()[:3]:
        members = members.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__iexact=word)
        )
    return members.order_by("first_name", "last_name", "id")


def find_member_by_email(email: str) -> Member | None:
    return Member.objects.filter(email__iexact=email.strip(), is_active=True).first()


def community_members() -> QuerySet[Member]:
    """Active members who are not the site's operators (superusers), oldest first."""
    return Member.objects.filter(is_active=True, is_superuser=False).order_by("pk")
