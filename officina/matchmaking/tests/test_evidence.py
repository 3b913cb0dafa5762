from __future__ import annotations

from officina.matchmaking.evidence import SkillSpotter, terms_of
from officina.skills.selectors import SkillWords


def test_the_spotter_finds_a_skill_by_a_synonym_in_the_other_language_and_inflected():
    spotter = SkillSpotter(
        [
            SkillWords(1, ("tax and vat", "fisco e iva", "partita iva")),
            SkillWords(2, ("invoices", "fatture")),
        ]
    )
    assert spotter.skills_in("Apro la Partita IVA a gennaio") == {1: 1}
    # "fattura" meets "fatture", "invoice" meets "invoices": the words' stems are compared.
    assert spotter.skills_in("Una fattura, one invoice") == {2: 2}
    assert spotter.skills_in("Nothing to see here") == {}


def test_terms_leave_out_words_that_tell_nobody_apart():
    terms = terms_of("How do I pay the VAT of the invoices?")
    assert "the" not in terms and "how" not in terms
    assert terms["vat"] == 1 and "invoic" in terms
