"""The business rules other apps read through accounts' selectors."""

import pytest

from officina.accounts.models import CompanyMembership
from officina.accounts.selectors import (
    find_member_by_email,
    may_see_members,
    primary_company,
    primary_company_names,
    space_members,
    visible_member_by_id,
    visible_members,
    visible_members_q,
)

pytestmark = pytest.mark.django_db


def test_the_company_marked_primary_wins(make_member, make_company):
    member = make_member()
    make_company("Bottega", members=(member,))
    atelier = make_company("Atelier", members=(member,))
    CompanyMembership.objects.filter(member=member).update(is_primary=False)
    CompanyMembership.objects.filter(member=member, company=atelier).update(is_primary=True)
    assert primary_company(member) == atelier
    assert primary_company_names([member.pk]) == {member.pk: "Atelier"}


def test_without_a_primary_company_the_first_joined_one_counts(make_member, make_company):
    member, other = make_member(), make_member()
    bottega = make_company("Bottega", members=(member,))
    make_company("Atelier", members=(member, other))
    CompanyMembership.objects.filter(member=member).update(is_primary=False)
    assert primary_company(member) == bottega
    assert primary_company_names([member.pk, other.pk]) == {
        member.pk: "Bottega",
        other.pk: "Atelier",
    }


def test_a_member_without_companies_has_no_primary_one(make_member):
    member = make_member()
    assert primary_company(member) is None
    assert primary_company_names([member.pk]) == {}


def test_deactivated_members_are_seen_by_nobody(make_member, make_space):
    shown, gone = make_member(), make_member(email="gone@example.test")
    space = make_space(members=(shown, gone))
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert list(visible_members()) == [shown]
    assert visible_member_by_id(gone.pk) is None
    assert find_member_by_email("gone@example.test") is None
    assert list(space_members(space)) == [shown]


def test_only_signed_in_active_members_see_the_community(make_member):
    from django.contrib.auth.models import AnonymousUser

    active, gone = make_member(), make_member(is_active=False)
    assert may_see_members(active)
    assert not may_see_members(gone)
    assert not may_see_members(AnonymousUser())
    assert not may_see_members(None)


def test_rows_of_deactivated_members_are_filtered_through_their_relation(make_member, make_space):
    shown, gone = make_member(), make_member(is_active=False)
    make_space(members=(shown, gone))
    from officina.accounts.models import SpaceMembership

    memberships = SpaceMembership.objects.filter(visible_members_q("member"))
    assert [m.member_id for m in memberships] == [shown.pk]
