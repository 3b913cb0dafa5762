"""The presence reads the PBX relies on: right answers in one query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from officina.presence import actions
from officina.presence.models import CheckIn
from officina.presence.selectors import (
    current_check_in,
    is_member_present,
    presence_counts,
    present_member_ids,
    space_presence,
)

pytestmark = pytest.mark.django_db


def test_present_member_ids_in_one_query(
    giulia, marco, luca, navigli, digital, django_assert_num_queries
):
    actions.check_check_in(giulia, navigli)
    actions.check_check_in(luca, digital)
    with django_assert_num_queries(1):
        assert present_member_ids(luca) == {giulia.pk, luca.pk}
    with django_assert_num_queries(1):
        assert present_member_ids(luca, navigli) == {giulia.pk}
    with django_assert_num_queries(1):
        assert is_member_present(luca)
    with django_assert_num_queries(1):
        assert not is_member_present(marco)


def test_sessions_past_their_planned_end_are_not_present(giulia, luca, navigli):
    past = timezone.now() - timedelta(hours=2)
    CheckIn.objects.create(
        member=giulia, space=navigli, started_at=past, planned_until=past + timedelta(hours=1)
    )
    assert present_member_ids(luca) == set()
    assert current_check_in(giulia) is None
    assert presence_counts(luca) == {}


def test_closed_sessions_are_not_present(giulia, navigli):
    now = timezone.now()
    CheckIn.objects.create(member=giulia, space=navigli, started_at=now, ended_at=now)
    assert not is_member_present(giulia)


def test_space_presence_brings_the_main_company(
    giulia, marco, luca, navigli, django_assert_num_queries
):
    actions.check_check_in(giulia, navigli)
    actions.check_check_in(marco, navigli)
    # The sessions with their members, the main companies, the desks claimed.
    with django_assert_num_queries(3):
        present = space_presence(luca, navigli)
        companies = {p.check_in.member.display_name: p.company_name for p in present}
        assert all(p.check_in.space.name == "Officina Navigli" for p in present)
    assert companies == {"Giulia Rossi": "Studio Rossi", "Marco Colombo": "Studio Rossi"}


def test_presence_counts_per_space(giulia, marco, luca, navigli, digital):
    actions.check_check_in(giulia, navigli)
    actions.check_check_in(marco, navigli)
    actions.check_check_in(luca, digital)
    assert presence_counts(luca) == {navigli.pk: 2, digital.pk: 1}


def test_first_render_and_live_push_show_the_same_company(
    make_member, make_company, make_space, monkeypatch, django_capture_on_commit_callbacks
):
    """Without a company marked primary, both show the company the member joined first."""
    from officina.accounts.models import CompanyMembership
    from officina.presence import live

    member = make_member(first_name="Anna")
    make_company("Bottega", members=(member,))
    make_company("Atelier", members=(member,))
    CompanyMembership.objects.filter(member=member).update(is_primary=False)
    space = make_space(members=(member,))
    pushed: list[str] = []
    monkeypatch.setattr(
        live, "broadcast_arrival", lambda _check_in, name, _desk="": pushed.append(name)
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_check_in(member, space)
    [shown] = space_presence(member, space)
    assert pushed == [shown.company_name] == ["Bottega"]
