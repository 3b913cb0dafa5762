"""A small community around one question: who offers, who answered, who says nothing.

- ``tax``: the skill "Tax and VAT" / "Fisco e IVA", synonyms "vat return", "partita iva";
- ``ux``: "UX design" / "UX design";
- marco offers Tax and VAT (level expert);
- sara answered two earlier questions on tax, one accepted by giulia;
- luca's profile speaks of UX only;
- ``vat_question``: giulia asks about VAT, tagged Tax and VAT.
"""

from __future__ import annotations

import pytest

from officina.api.tests.conftest import api_as  # noqa: F401 - a fixture for test_api
from officina.bookings.tests.fixtures import (  # noqa: F401 - for test_introductions
    buffered_room,
    room,
    tomorrow,
)
from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
)
from officina.skills.actions import TaxonomyEntry, check_add_member_skill, check_add_to_taxonomy
from officina.skills.kinds import SkillCategory, SkillKind, SkillLevel
from officina.social.actions import do_update_profile


@pytest.fixture
def tax(db):
    (skill, _ux) = check_add_to_taxonomy(
        [
            TaxonomyEntry(
                "tax",
                "Tax and VAT",
                "Fisco e IVA",
                SkillCategory.BUSINESS,
                ("vat return", "partita iva", "regime forfettario"),
            ),
            TaxonomyEntry("ux-design", "UX design", "UX design", SkillCategory.DESIGN),
        ]
    )
    return skill


@pytest.fixture
def ux(tax):
    from officina.skills.selectors import skills_by_slugs

    return skills_by_slugs(["ux-design"])[0]


@pytest.fixture
def experts(community, tax, ux, giulia, marco, sara, luca):
    check_add_member_skill(marco, tax, SkillKind.OFFER, level=SkillLevel.EXPERT)
    do_update_profile(luca, headline="UX designer", bio="Interviews and usability tests.", links=[])
    for title in ("How is VAT charged on invoices abroad?", "Which VAT regime for a freelancer?"):
        question = check_ask_question(
            giulia, title=title, body="Invoices to clients in Germany.", tags=[tax]
        )
        answer = check_answer_question(sara, question, body="Reverse charge: no Italian VAT.")
        if "abroad" in title:
            check_accept_answer(giulia, answer)
    return {"marco": marco, "sara": sara, "luca": luca}


@pytest.fixture
def vat_question(experts, giulia, tax):
    return check_ask_question(
        giulia,
        title="Quarterly VAT payment: what do I need?",
        body="First year with a VAT number.",
        tags=[tax],
    )
