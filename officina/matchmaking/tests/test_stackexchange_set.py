"""``benchmarks/stackexchange_set.py``: a Stack Exchange dump becomes the labelled set that
``match_quality.py`` reads (the real community's figures in docs/matchmaking.md)."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"
SCRIPT = BENCHMARKS / "stackexchange_set.py"

POSTS = """<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="3" CreationDate="2014-01-21T20:26:05.383"
       Body="&lt;p&gt;What are &lt;em&gt;citra&lt;/em&gt; hops?&lt;/p&gt;"
       OwnerUserId="7" Title="What is a citra hop?" Tags="&lt;hops&gt;&lt;india-pale-ale&gt;" />
  <row Id="2" PostTypeId="1" CreationDate="2014-01-22T10:00:00.000"
       Body="&lt;p&gt;Orphan.&lt;/p&gt;" Title="Asked by a deleted account" Tags="|history|" />
  <row Id="3" PostTypeId="2" ParentId="1" CreationDate="2014-01-21T20:31:18.540"
       Body="&lt;p&gt;Citra has high alpha acids.&lt;/p&gt;&lt;pre&gt;13%&lt;/pre&gt;"
       OwnerUserId="12" />
  <row Id="4" PostTypeId="2" ParentId="1" CreationDate="2014-01-21T21:00:00.000"
       Body="&lt;p&gt;Grapefruit notes.&lt;/p&gt;" OwnerUserId="9" />
  <row Id="5" PostTypeId="2" ParentId="2" Body="&lt;p&gt;Lost.&lt;/p&gt;" OwnerUserId="9" />
</posts>
"""

USERS = """<?xml version="1.0" encoding="utf-8"?>
<users>
  <row Id="12" DisplayName="Hop Head" AboutMe="&lt;p&gt;Homebrewer since 2009.&lt;/p&gt;" />
</users>
"""


def _load_script(path: Path = SCRIPT) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_a_dump_becomes_members_questions_and_answers_with_the_accepted_one_marked(tmp_path):
    dump = tmp_path / "beer"
    dump.mkdir()
    (dump / "Posts.xml").write_text(POSTS, encoding="utf-8")
    (dump / "Users.xml").write_text(USERS, encoding="utf-8")
    assert _load_script().convert(dump, tmp_path / "set") == (3, 1, 2)
    members = {row["member_id"]: row for row in _rows(tmp_path / "set" / "members.csv")}
    assert set(members) == {"7", "9", "12"}
    assert members["12"]["name"] == "Hop Head"
    assert members["12"]["bio"] == "Homebrewer since 2009."
    assert members["7"]["name"] == "Member 7"
    (question,) = _rows(tmp_path / "set" / "questions.csv")
    assert question["body"] == "What are citra hops?"
    assert question["tags"] == "hops;india pale ale"
    answers = {row["answer_id"]: row for row in _rows(tmp_path / "set" / "answers.csv")}
    # The question without an author and its answer are left out.
    assert set(answers) == {"3", "4"}
    assert answers["3"]["body"] == "Citra has high alpha acids.\n13%"
    assert (answers["3"]["accepted"], answers["4"]["accepted"]) == ("1", "0")


def test_a_path_without_a_dump_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), str(tmp_path / "set")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"no Posts.xml at {tmp_path / 'Posts.xml'}" in result.stderr
    assert not (tmp_path / "set").exists()


@pytest.mark.django_db(transaction=True)
def test_an_answer_longer_than_officina_takes_is_loaded_cut_at_the_limit(tmp_path):
    # A real site's answer can be longer than an answer Officina accepts (matheducators
    # has one): the benchmark loads it cut there instead of stopping.
    from officina.knowledge.actions import BODY_MAX_LENGTH
    from officina.knowledge.models import Answer

    long_answer = "Citra " * 3000
    posts = POSTS.replace("Grapefruit notes.", long_answer.strip())
    dump = tmp_path / "beer"
    dump.mkdir()
    (dump / "Posts.xml").write_text(posts, encoding="utf-8")
    _load_script().convert(dump, tmp_path / "set")
    loaded = _load_script(BENCHMARKS / "match_quality.py").load(tmp_path / "set")
    assert loaded.accepted_by == {"1": "12"}
    bodies = sorted(len(body) for body in Answer.objects.values_list("body", flat=True))
    assert bodies == [len("Citra has high alpha acids.\n13%"), BODY_MAX_LENGTH]
