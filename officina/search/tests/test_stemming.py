from officina.search.snippets import highlight
from officina.search.stemming import stems, terms, words


def shares_a_stem(first: str, second: str) -> bool:
    return bool(set(stems(first)) & set(stems(second)))


def test_italian_words_of_one_family_meet():
    assert shares_a_stem("progettazione", "progetti")
    assert shares_a_stem("contabilità", "contabile")


def test_english_words_of_one_family_meet():
    assert shares_a_stem("developers", "development")
    assert shares_a_stem("marketing", "marketers") or shares_a_stem("designer", "designs")


def test_unrelated_words_do_not():
    assert not shares_a_stem("progetti", "prosciutto")


def test_words_ignore_punctuation_and_query_syntax():
    assert words('"Giulia" AND (Rossi* OR -bianchi) NEAR/2 col:val') == [
        "giulia",
        "and",
        "rossi",
        "or",
        "bianchi",
        "near",
        "2",
        "col",
        "val",
    ]
    assert words("  \t ") == []


def test_accents_are_folded_after_stemming():
    assert set(stems("città")) & set(stems("citta"))
    assert "citt" in terms("Città")


def test_highlight_escapes_and_marks_by_stem():
    html = highlight("<b>Progettazione</b> & sviluppo", ["progetti"])
    assert html == "&lt;b&gt;<mark>Progettazione</mark>&lt;/b&gt; &amp; sviluppo"


def test_highlight_cuts_long_text_around_the_first_match():
    text = " ".join(f"parola{i}" for i in range(100)) + " sviluppatori " + "fine " * 50
    html = highlight(text, ["sviluppo"], max_words=10)
    assert html.startswith("… ")
    assert "<mark>sviluppatori</mark>" in html
    assert html.endswith(" …")
