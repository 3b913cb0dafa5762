"""A real community's questions and answers as a labelled set for ``match_quality.py``.

    .venv/bin/python benchmarks/stackexchange_set.py DUMP var/match-sets/beer
    .venv/bin/python benchmarks/match_quality.py var/match-sets/beer

DUMP is one Stack Exchange site from the public data dump (CC BY-SA): its ``Posts.xml``,
or the folder holding it (and ``Users.xml``, when there, for names and "about me"
texts). The site's users become members, its questions and answers are asked and
answered by them, and the asker's accepted answer is the label: the member who
answered best. Nothing is invented: a member's evidence is what they wrote there.

Writes ``members.csv``, ``questions.csv`` and ``answers.csv`` in the shape
``match_quality.py`` reads. Posts without an author (deleted accounts) are left out, and
so are the answers to them. Bodies are HTML in the dump: they are turned into plain
text (code blocks and links keep their words). Tags (``<ale><brewing>`` or
``|ale|brewing|``) become the question's tags, with dashes read as spaces.

No package registry ships such a dump, so the script reads one already on disk, e.g. a
copy kept in a public repository (``git show HEAD:path/Posts.xml`` from a clone). The
figures in docs/matchmaking.md are for beer.stackexchange.com (Posts.xml of January
2014 to March 2017: 663 questions, 1,572 answers, 782 authors), matheducators (Posts.xml
of March to May 2014, in jrfoster/spark-intro) and quantumcomputing (Posts.xml and
Users.xml of March to September 2018, in Jean-Low/StackERedes, under ``data/``).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path


class _Text(HTMLParser):
    """An HTML body's words: tags dropped, block elements ending a line."""

    BLOCKS = frozenset({"p", "br", "li", "pre", "blockquote", "h1", "h2", "h3", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def tag_names(tags: str) -> list[str]:
    names = re.findall(r"<([^>]+)>", tags) or [part for part in tags.split("|") if part]
    return [name.replace("-", " ") for name in names]


def rows_of(path: Path) -> Iterator[dict[str, str]]:
    for _event, element in ET.iterparse(path):  # noqa: S314 - a public data dump the reader chose
        if element.tag == "row":
            yield dict(element.attrib)
            element.clear()


def convert(dump: Path, out: Path) -> tuple[int, int, int]:
    posts_path = dump / "Posts.xml" if dump.is_dir() else dump
    users_path = posts_path.with_name("Users.xml")
    users = {row["Id"]: row for row in rows_of(users_path)} if users_path.exists() else {}
    questions: dict[str, dict[str, str]] = {}
    answers: list[dict[str, str]] = []
    for row in rows_of(posts_path):
        if not row.get("OwnerUserId"):
            continue
        if row.get("PostTypeId") == "1":
            questions[row["Id"]] = row
        elif row.get("PostTypeId") == "2":
            answers.append(row)
    answers = [row for row in answers if row.get("ParentId") in questions]
    accepted = {
        row["AcceptedAnswerId"] for row in questions.values() if row.get("AcceptedAnswerId")
    }
    authors = sorted(
        {row["OwnerUserId"] for row in questions.values()}
        | {row["OwnerUserId"] for row in answers},
        key=int,
    )
    out.mkdir(parents=True, exist_ok=True)
    with (out / "members.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["member_id", "name", "headline", "bio", "skills", "offers", "needs", "interests"]
        )
        for user_id in authors:
            user = users.get(user_id, {})
            name = user.get("DisplayName") or f"Member {user_id}"
            writer.writerow(
                [user_id, name, "", plain_text(user.get("AboutMe", "")), "", "", "", ""]
            )
    with (out / "questions.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["question_id", "asked_by", "title", "body", "tags", "created_at"])
        for row in questions.values():
            writer.writerow(
                [
                    row["Id"],
                    row["OwnerUserId"],
                    row.get("Title", ""),
                    plain_text(row.get("Body", "")),
                    ";".join(tag_names(row.get("Tags", ""))),
                    row.get("CreationDate", ""),
                ]
            )
    with (out / "answers.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["answer_id", "question_id", "member_id", "body", "accepted", "created_at"])
        for row in answers:
            writer.writerow(
                [
                    row["Id"],
                    row["ParentId"],
                    row["OwnerUserId"],
                    plain_text(row.get("Body", "")),
                    "1" if row["Id"] in accepted else "0",
                    row.get("CreationDate", ""),
                ]
            )
    return len(authors), len(questions), len(answers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path, help="a site's Posts.xml, or the folder holding it")
    parser.add_argument("out", type=Path, help="where to write the three CSV files")
    args = parser.parse_args(argv)
    posts = args.dump / "Posts.xml" if args.dump.is_dir() else args.dump
    if not posts.is_file():
        parser.error(f"no Posts.xml at {posts}")
    members, questions, answers = convert(args.dump, args.out)
    print(f"{args.out}: {members} members, {questions} questions, {answers} answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
