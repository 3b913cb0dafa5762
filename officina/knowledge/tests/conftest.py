"""Named members of a small community for the knowledge tests.

Giulia asks, Marco answers, Sara votes; Paolo belongs to no space, so
questions asked inside "Navigli" stay hidden from him.
"""

from __future__ import annotations

import pytest

from officina.accounts.actions import check_create_space, do_join_space
from officina.accounts.models import Member
from officina.skills.models import Skill


def make_member(email: str, first: str, last: str, **fields: object) -> Member:
    return Member.objects.create_user(
        email, "correct-horse-battery", first_name=first, last_name=last, **fields
    )


@pytest.fixture
def staff(db):
    return make_member("direzione@officina.test", "Anna", "Direzione", is_staff=True)


@pytest.fixture
def giulia(db):
    return make_member("giulia@officina.test", "Giulia", "Rossi")


@pytest.fixture
def marco(db):
    return make_member("marco@officina.test", "Marco", "Bianchi")


@pytest.fixture
def sara(db):
    return make_member("sara@officina.test", "Sara", "Conti")


@pytest.fixture
def paolo(db):
    return make_member("paolo@officina.test", "Paolo", "Esterno")


@pytest.fixture
def navigli(staff, giulia, marco, sara):
    space = check_create_space(staff, name="Navigli", city="Milano")
    for member in (giulia, marco, sara):
        do_join_space(member, space)
    return space


@pytest.fixture
def python_skill(db):
    skill, _created = Skill.objects.get_or_create(
        slug="python-test",
        defaults={"name_en": "Python", "name_it": "Python", "category": "development"},
    )
    return skill


@pytest.fixture
def contracts_skill(db):
    skill, _created = Skill.objects.get_or_create(
        slug="contracts-test",
        defaults={"name_en": "Contracts", "name_it": "Contratti", "category": "legal"},
    )
    return skill
