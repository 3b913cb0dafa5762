"""Search on the database in use: run once on SQLite and once with DATABASE_URL on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officina.accounts.models import Member
from officina.knowledge.actions import check_ask_question
from officina.search.actions import do_rebuild_index
from officina.search.models import SearchDocument
from officina.search.selectors import search
from officina.skills.actions import do_add_member_skill
from officina.skills.models import Skill
from officina.social.actions import check_create_post, do_update_profile


def found(viewer: Member, query: str, kind: str) -> list[int]:
    return [hit.object_id for hit in search(viewer, query, kinds=[kind]).groups.get(kind, [])]


@pytest.fixture
def content(giulia, marco, sara, navigli, studio_rossi):
    do_update_profile(
        marco, headline="Senior developers' friend", bio="Backend development in Python", links=[]
    )
    do_update_profile(
        sara, headline="Panettiera", bio="Progettazione di forni e lievitazione naturale", links=[]
    )
    skill = Skill.objects.create(
        slug="interior-design-t",
        name_en="Interior design",
        name_it="Arredamento",
        category="design",
    )
    do_add_member_skill(giulia, skill, "skill")
    posts = {
        "community": check_create_post(giulia, "Cerchiamo sviluppatori per un progetto nuovo"),
        "space": check_create_post(
            marco, "Riunione dei progettisti al Navigli giovedì", visibility="space", space=navigli
        ),
        "company": check_create_post(
            giulia,
            "Budget riservato dei progetti di Studio Rossi",
            visibility="company",
            company=studio_rossi,
        ),
    }
    questions = {
        "community": check_ask_question(
            sara, title="Consigli per la progettazione di un laboratorio?", body="Forni e banchi."
        ),
        "space": check_ask_question(
            giulia, title="Who fixes the Navigli printer?", body="Developers welcome", space=navigli
        ),
    }
    do_rebuild_index()
    return {"posts": posts, "questions": questions}


@pytest.mark.django_db
class TestStemmingOnThisDatabase:
    def test_italian_family_matches(self, content, marco):
        question = content["questions"]["community"]
        assert found(marco, "progetti", "question") == [question.pk]
        assert content["posts"]["community"].pk in found(marco, "progettazione", "post")

    def test_english_family_matches(self, content, giulia, marco):
        assert found(giulia, "development", "member") == [marco.pk]
        assert found(giulia, "developer", "member") == [marco.pk]

    def test_italian_member_text(self, content, giulia, sara):
        assert sara.pk in found(giulia, "progetti forni", "member")

    def test_every_word_must_match(self, content, giulia):
        assert found(giulia, "progettazione astronave", "question") == []


@pytest.mark.django_db
class TestWhatIsFound:
    def test_members_by_name_prefix_and_skill_in_both_languages(self, content, marco, giulia):
        assert giulia.pk in found(marco, "giu", "member")
        assert found(marco, "arredamento", "member") == [giulia.pk]
        assert found(marco, "interior", "member") == [giulia.pk]

    def test_companies(self, content, marco, studio_rossi):
        assert studio_rossi.pk in found(marco, "studio rossi", "company")

    def test_results_are_grouped_and_highlighted(self, content, marco):
        results = search(marco, "progettazione")
        kinds = [kind for kind, _label, _hits in results.group_list()]
        assert kinds == ["member", "post", "question"]
        question_hit = results.groups["question"][0]
        assert "<mark>progettazione</mark>" in question_hit.title
        assert question_hit.url == content["questions"]["community"].get_absolute_url()


@pytest.mark.django_db
class TestVisibility:
    def test_space_posts_and_questions_only_for_the_space(self, content, marco, sara, outsider):
        space_post = content["posts"]["space"].pk
        space_question = content["questions"]["space"].pk
        assert found(marco, "riunione progettisti", "post") == [space_post]
        assert found(marco, "printer", "question") == [space_question]
        for stranger in (sara, outsider):
            assert found(stranger, "riunione progettisti", "post") == []
            assert found(stranger, "printer", "question") == []

    def test_company_posts_only_for_its_people(self, content, marco, sara):
        company_post = content["posts"]["company"].pk
        assert company_post in found(marco, "budget riservato", "post")
        assert found(sara, "budget riservato", "post") == []

    def test_hidden_matches_do_not_crowd_out_visible_ones(self, content, giulia, navigli, outsider):
        for number in range(40):
            check_create_post(
                giulia, f"Progetto segreto {number}", visibility="space", space=navigli
            )
        visible = check_create_post(giulia, "Progetto aperto a tutti")
        do_rebuild_index(["post"])
        assert visible.pk in found(outsider, "progetto", "post")

    def test_anonymous_finds_nothing(self, content):
        from django.contrib.auth.models import AnonymousUser

        assert search(AnonymousUser(), "progettazione").total == 0  # type: ignore[arg-type]


HOSTILE_QUERIES = [
    "",
    "   ",
    '"',
    '""',
    "'",
    "*",
    "AND",
    "OR NOT",
    "progetti OR",
    "(progetti",
    'progetti" OR "x',
    "NEAR(a b)",
    "title_terms:progett",
    "-progetti",
    "^progetti",
    "progetti:*",
    "a & b | !c",
    "<->",
    "\\",
    "%_%",
    "\x00",
    "😀 progetti",
    "x" * 5000,
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_query_syntax_is_never_interpreted(content, marco, query):
    results = search(marco, query)
    assert results.total >= 0


@pytest.mark.django_db
def test_operators_are_plain_words(content, marco):
    question = content["questions"]["community"].pk
    # "OR" is a word to find, not an operator: nothing has all three words.
    assert found(marco, "progettazione OR astronave", "question") == []
    assert found(marco, '"progettazione"', "question") == [question]
    assert found(marco, "progettazione*", "question") == [question]


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=st.text(max_size=60))
def test_any_text_is_a_valid_query(content, marco, query):
    search(marco, query)


@pytest.mark.django_db
class TestIndexStaysCurrent:
    def test_new_and_deleted_posts(self, giulia, marco, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            post = check_create_post(giulia, "Corso di ceramica raku sabato")
        assert found(marco, "ceramica", "post") == [post.pk]
        with django_capture_on_commit_callbacks(execute=True):
            post.delete()
        assert found(marco, "ceramica", "post") == []
        assert not SearchDocument.objects.filter(kind="post").exists()

    def test_profile_and_skill_changes_reindex_the_member(
        self, giulia, marco, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            do_update_profile(marco, headline="Fotografo di architettura", bio="", links=[])
        assert marco.pk in found(giulia, "fotografia", "member")
        skill = Skill.objects.create(
            slug="bookbinding-t", name_en="Bookbinding", name_it="Legatoria", category="making"
        )
        with django_capture_on_commit_callbacks(execute=True):
            do_add_member_skill(marco, skill, "skill")
        assert found(giulia, "legatoria", "member") == [marco.pk]

    def test_a_transaction_reindexes_each_changed_document_once(
        self, giulia, marco, django_capture_on_commit_callbacks
    ):
        skills = Skill.objects.bulk_create(
            [
                Skill(slug="bookbinding-t", name_en="Bookbinding", name_it="Legatoria"),
                Skill(slug="ceramics-t", name_en="Ceramics", name_it="Ceramica"),
            ]
        )
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
            transaction.atomic(),
        ):
            do_update_profile(marco, headline="Fotografo di architettura", bio="", links=[])
            for skill in skills:
                do_add_member_skill(marco, skill, "skill")
        # Each re-index of members deletes their old documents first (the fixtures' own
        # saves belong to this test's transaction too).
        member_reindexes = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].startswith("DELETE")
            and SearchDocument._meta.db_table in query["sql"]
            and "'member'" in query["sql"]
        ]
        assert len(member_reindexes) == 1
        assert found(giulia, "fotografia", "member") == [marco.pk]
        assert found(giulia, "legatoria", "member") == [marco.pk]
        assert found(giulia, "ceramica", "member") == [marco.pk]

    def test_a_change_saved_again_after_a_rolled_back_savepoint_is_indexed(
        self, giulia, marco, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                check_create_post(giulia, "Corso di ceramica raku sabato")
                raise RuntimeError
            post = check_create_post(giulia, "Corso di legatoria giapponese")
            do_update_profile(marco, headline="Fotografo di architettura", bio="", links=[])
        assert found(marco, "legatoria", "post") == [post.pk]
        assert found(marco, "ceramica", "post") == []
        assert found(giulia, "fotografia", "member") == [marco.pk]

    def test_question_tags_reindex(self, giulia, marco, django_capture_on_commit_callbacks):
        skill = Skill.objects.create(
            slug="accounting-t", name_en="Accounting", name_it="Contabilità", category="business"
        )
        with django_capture_on_commit_callbacks(execute=True):
            question = check_ask_question(
                giulia, title="Chi mi aiuta col bilancio?", body="Scadenza a maggio.", tags=[skill]
            )
        assert found(marco, "contabilita", "question") == [question.pk]

    def test_tags_added_later_reindex_the_question(
        self, giulia, marco, django_capture_on_commit_callbacks
    ):
        skill = Skill.objects.create(
            slug="accounting-t", name_en="Accounting", name_it="Contabilità", category="business"
        )
        with django_capture_on_commit_callbacks(execute=True):
            question = check_ask_question(
                giulia, title="Chi mi aiuta col bilancio?", body="Scadenza a maggio.", tags=[]
            )
        assert found(marco, "contabilita", "question") == []
        with django_capture_on_commit_callbacks(execute=True):
            question.tags.add(skill)  # as the admin does: only the tag table changes
        assert found(marco, "contabilita", "question") == [question.pk]

    def test_rolled_back_changes_never_reach_the_index(
        self, giulia, django_capture_on_commit_callbacks
    ):
        from django.db import transaction

        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            check_create_post(giulia, "Questo post non esiste")
            raise RuntimeError
        assert callbacks == []

    def test_reindex_command(self, content, capsys):
        SearchDocument.objects.all().delete()
        call_command("reindex")
        assert "post" in capsys.readouterr().out
        assert SearchDocument.objects.filter(kind="question").count() == 2


@pytest.mark.django_db
def test_renaming_a_company_reindexes_its_people(
    giulia, marco, studio_rossi, django_capture_on_commit_callbacks
):
    do_rebuild_index()
    with django_capture_on_commit_callbacks(execute=True):
        studio_rossi.name = "Bottega Quadrifoglio"
        studio_rossi.save()
    assert studio_rossi.pk in found(marco, "quadrifoglio", "company")
    assert set(found(marco, "quadrifoglio", "member")) == {giulia.pk, marco.pk}


@pytest.mark.django_db
def test_a_login_does_not_reindex(giulia, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import update_last_login

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_last_login(type(giulia), giulia)
    assert callbacks == []


@pytest.mark.django_db
def test_only_the_newest_matches_of_a_very_common_word_are_ranked(giulia, marco, monkeypatch):
    from officina.search import backends

    best = check_create_post(giulia, "Ceramica, ceramica, ceramica: tutto sulla ceramica")
    newer = [check_create_post(giulia, f"Ceramica e altro {number}") for number in range(4)]
    do_rebuild_index(["post"])
    assert found(marco, "ceramica", "post")[0] == best.pk
    monkeypatch.setattr(backends, "RANK_WINDOW", 3)
    assert set(found(marco, "ceramica", "post")) == {post.pk for post in newer[1:]}


def test_url_maker_matches_reverse():
    from django.urls import reverse

    from officina.search.sources import url_maker

    assert url_maker("social:post")(42) == reverse("social:post", args=[42])
    assert url_maker("accounts:company")("studio-rossi") == reverse(
        "accounts:company", args=["studio-rossi"]
    )
    assert url_maker("no:such-page")(1) == ""


@pytest.mark.django_db
def test_reindex_refuses_unknown_kinds():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="planets"):
        call_command("reindex", "post", "planets")


@pytest.mark.django_db
def test_each_kind_is_searched_apart_and_the_index_follows_every_change(giulia, marco):
    post = check_create_post(giulia, "Ceramica raku nel cortile")
    do_rebuild_index()
    assert found(marco, "raku", "post") == [post.pk]
    assert found(marco, "raku", "question") == []
    assert found(marco, "raku", "member") == []
    document = SearchDocument.objects.get(kind="post", object_id=post.pk)
    # An UPDATE (the trigger that swaps a row's terms in the index of its kind).
    SearchDocument.objects.filter(pk=document.pk).update(body="Tornio", body_terms="tornio")
    assert found(marco, "raku", "post") == []
    assert found(marco, "tornio", "post") == [post.pk]
    # A document that changes kind leaves one index and enters the other.
    question = check_ask_question(giulia, title="Chi ha un tornio?", body="Grazie")
    SearchDocument.objects.filter(kind="question", object_id=question.pk).delete()
    SearchDocument.objects.filter(pk=document.pk).update(kind="question", object_id=question.pk)
    assert found(marco, "tornio", "post") == []
    assert found(marco, "tornio", "question") == [question.pk]
    SearchDocument.objects.filter(pk=document.pk).delete()
    assert found(marco, "tornio", "question") == []
