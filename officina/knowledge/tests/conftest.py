"""Skills to tag questions with; the people and spaces are the shared ones of
officina/conftest.py (Giulia and Marco at Navigli, Sara at San Salvario, an outsider)."""

from __future__ import annotations

import pytest

from officina.skills.models import Skill


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
