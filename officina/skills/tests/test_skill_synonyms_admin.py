"""A taxonomy skill's synonyms are edited in the admin as a text box, one per line or
separated by commas (not as JSON), and checked as a free tag's are, in the manager's
language: a synonym given twice, one of the skill's names, or not of 2 to 80 characters
is refused on the field and nothing is saved."""

from __future__ import annotations

import pytest

from officina.core.errors import OfficinaError
from officina.skills.actions import checked_skill_synonyms
from officina.skills.models import Skill

pytestmark = pytest.mark.django_db


def change_url(skill: Skill) -> str:
    return f"/admin/skills/skill/{skill.pk}/change/"


def change_form(skill: Skill, synonyms: str) -> dict[str, str]:
    return {
        "slug": skill.slug,
        "name_en": skill.name_en,
        "name_it": skill.name_it,
        "category": skill.category,
        "synonyms": synonyms,
        "tag_synonyms": "{}",
    }


def test_synonyms_are_shown_one_per_line_and_saved_tidied(client_for, admin, accounting):
    accounting.synonyms = ["bookkeeping", "partita doppia"]
    accounting.save()
    client = client_for(admin)
    field = client.get(change_url(accounting)).context["adminform"].form["synonyms"]
    assert field.value() == "bookkeeping\npartita doppia"
    assert "<textarea" in str(field)
    saved = client.post(
        change_url(accounting),
        change_form(accounting, "bookkeeping,  Partita   doppia\n\nprima nota"),
    )
    assert saved.status_code == 302
    accounting.refresh_from_db()
    assert accounting.synonyms == ["bookkeeping", "Partita doppia", "prima nota"]
    client.post(change_url(accounting), change_form(accounting, ""))
    accounting.refresh_from_db()
    assert accounting.synonyms == []


@pytest.mark.parametrize(
    ("language", "synonyms", "error"),
    [
        ("en", "ledger\nLEDGER", "“LEDGER” is given twice."),
        ("en", "ledger, contabilita", "“contabilita” is the skill's own name, not a synonym."),
        ("en", "x", "“x”: a synonym has 2 to 80 characters."),
        ("en", "y" * 81, f"“{'y' * 81}”: a synonym has 2 to 80 characters."),
        ("it", "ledger\nLedger", "“Ledger” è indicato due volte."),
        ("it", "Accounting", "“Accounting” è il nome della competenza stessa, non un sinonimo."),
        ("it", "x", "“x”: un sinonimo ha da 2 a 80 caratteri."),
    ],
)
def test_a_bad_synonym_is_refused_on_the_field_in_the_managers_language(
    client_for, admin, accounting, language, synonyms, error
):
    refused = client_for(admin).post(
        change_url(accounting),
        change_form(accounting, synonyms),
        headers={"accept-language": language},
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["synonyms"] == [error]
    accounting.refresh_from_db()
    assert accounting.synonyms == []


def test_the_check_refuses_what_the_admin_refuses():
    assert checked_skill_synonyms(["Accounting", "Contabilità"], [" prima  nota ", ""]) == [
        "prima nota"
    ]
    with pytest.raises(OfficinaError):
        checked_skill_synonyms(["Accounting", "Contabilità"], ["CONTABILITA"])
