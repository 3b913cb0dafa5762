from __future__ import annotations

import pytest

from officina.skills.kinds import SkillCategory
from officina.skills.models import Skill


@pytest.fixture
def django_skill(db: None) -> Skill:
    return Skill.objects.create(
        slug="django", name_en="Django", name_it="Django", category=SkillCategory.DEVELOPMENT
    )
