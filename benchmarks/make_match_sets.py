"""Labelled expert-finding sets with a known ground truth, for benchmarks/match_quality.py.

    .venv/bin/python benchmarks/make_match_sets.py OUT            # OUT/easy and OUT/hard
    .venv/bin/python benchmarks/make_match_sets.py OUT --members 500 --questions 1500 --seed 7

Each member gets a hidden expertise: two to four skills of the curated taxonomy with a
strength, and a few weak interests. A question is about one skill; members answer it
with a chance that grows with their strength on it (and a few answer anyway), and the
asker accepts the answer of the strongest answerer, with a little noise: the accepted
answerer is, by construction, the one who knows most among those who answered.

- ``easy``: profiles, skills and questions use the skills' own names, in English, and
  every question is tagged.
- ``hard``: the words of questions and of profiles overlap little. Each skill's words
  (its names and synonyms, Italian and English) are split in two halves, one for
  profiles and one for questions; a member writes in Italian or in English, a question
  is in either; most questions carry no tag; half the members list no skills and half
  the answers are empty.

Members list free tags too (members.csv's ``free_tags``: ``side:language:text``): a
quarter of the listed skills are written as a free tag naming the skill ("Photography
for startups", "Fotografia per startup"), which claims it as listing it would; and some
members list a niche tag no taxonomy has, in Italian or in English ("Apicoltura
urbana" or "Urban beekeeping", a few tags popular, most rare). free_tags.csv gives each
Italian niche tag its English text as a synonym (a space manager's merge), so the two
ways of writing it meet.

The sets are written in the CSV shape match_quality.py reads (members.csv,
questions.csv, answers.csv, free_tags.csv; lists separated by ";").

- ``meet``: people to meet. ``--meet-members`` members (10,000) list 2–5 skills of the
  taxonomy each on random sides (offers, skills, needs, interests; a long tail of
  popularity), the background every suggestion competes with. Then pairs are planted,
  each member in at most one: **complementary** (A needs x and offers y, B offers x and
  needs y) and **similar** (both work with the same two skills), with levels at random.
  Background members list 0–2 free tags on random sides (as above). **free tags**
  pairs (``--tag-pairs``) are complementary on niche free tags only: A needs x (written
  in Italian) and offers y (in English), B offers x (in English) and needs y (in
  Italian), so each need meets its offer through the synonym.
  Only the listings go into members.csv; the pairs are in pairs.csv
  (member_a,member_b,kind), which Officina never reads: match_quality.py asks people to
  meet for each planted member and looks for the other.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST_NAMES = [
    "Giulia",
    "Marco",
    "Chiara",
    "Luca",
    "Sara",
    "Matteo",
    "Elena",
    "Davide",
    "Anna",
    "Paolo",
    "Francesca",
    "Andrea",
    "Laura",
    "Simone",
    "Marta",
    "Stefano",
    "Alice",
    "Giorgio",
    "Valentina",
    "Lorenzo",
    "Emma",
    "Tom",
    "Sophie",
    "James",
    "Hannah",
    "Omar",
]
LAST_NAMES = [
    "Rossi",
    "Bianchi",
    "Colombo",
    "Ferrari",
    "Esposito",
    "Romano",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "Costa",
    "Fontana",
    "Moretti",
    "Barbieri",
    "Lombardi",
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Müller",
    "Novak",
]

ASK_EN = ("How do I", "Any advice on", "Who knows about", "Help needed with", "Best way to handle")
ASK_IT = ("Come faccio con", "Consigli su", "Qualcuno sa di", "Mi serve aiuto con", "Dubbio su")
FILLER_EN = [
    "project",
    "client",
    "next",
    "week",
    "small",
    "budget",
    "first",
    "time",
    "deadline",
    "team",
]
FILLER_IT = [
    "progetto",
    "cliente",
    "prossima",
    "settimana",
    "piccolo",
    "budget",
    "prima",
    "volta",
    "scadenza",
]
HEADLINE_EN = ("Freelance", "Consultant in", "Working on", "Specialised in")
HEADLINE_IT = ("Libero professionista:", "Consulente di", "Mi occupo di", "Specializzata in")


MEMBER_COLUMNS = [
    "member_id",
    "name",
    "headline",
    "bio",
    "skills",
    "offers",
    "needs",
    "interests",
    "free_tags",
]

# Niche free tags (no taxonomy skill's name or synonym in them), each written in Italian
# or in English; the most popular first.
NICHE_TAGS = [
    ("Apicoltura urbana", "Urban beekeeping"),
    ("Birra artigianale", "Home brewing"),
    ("Rilegatura artigianale", "Hand bookbinding"),
    ("Calligrafia", "Calligraphy"),
    ("Tessitura a mano", "Hand weaving"),
    ("Riparazione di biciclette", "Bicycle repair"),
    ("Giardinaggio verticale", "Vertical gardening"),
    ("Teatro d'improvvisazione", "Improv theatre"),
    ("Lingua dei segni", "Sign language"),
    ("Cucina vegana", "Vegan cooking"),
    ("Arrampicata", "Climbing"),
    ("Scacchi", "Chess"),
    ("Orologeria", "Watchmaking"),
    ("Liuteria", "Violin making"),
    ("Vela d'altura", "Offshore sailing"),
    ("Mosaico", "Mosaic art"),
]
NICHE_WEIGHTS = [1 / (rank + 1) for rank in range(len(NICHE_TAGS))]


def niche_tag(rng: random.Random, language: str | None = None) -> tuple[str, str]:
    """(language, text) of a niche tag drawn by popularity, in ``language`` or either."""
    italian, english = rng.choices(NICHE_TAGS, NICHE_WEIGHTS)[0]
    language = language or rng.choice(("it", "en"))
    return (language, italian if language == "it" else english)


def free_tag_item(side: str, language: str, text: str) -> str:
    return f"{side}:{language}:{text}"


def write_free_tags(out: Path) -> None:
    """Each Italian niche tag goes by its English text too (as a merge would leave it)."""
    write(
        out / "free_tags.csv",
        ["text", "language", "synonyms"],
        [[italian, "it", english] for italian, english in NICHE_TAGS],
    )


@dataclass
class Topic:
    slug: str
    name_en: str
    name_it: str
    words: list[str]
    profile_words: list[str] = field(default_factory=list)
    question_words: list[str] = field(default_factory=list)


@dataclass
class Person:
    member_id: int
    name: str
    language: str
    strengths: dict[str, float]
    interests: list[str]


def topics() -> list[Topic]:
    from officina.skills.curated import SYNONYMS, TAXONOMY

    found = []
    for entries in TAXONOMY.values():
        for slug, english, italian in entries:
            words = [english.lower(), italian.lower(), *SYNONYMS.get(slug, ())]
            topic = Topic(slug, english, italian, list(dict.fromkeys(words)))
            synonyms = list(SYNONYMS.get(slug, ()))
            topic.profile_words = [english.lower(), *synonyms[0::2]]
            topic.question_words = [italian.lower(), *synonyms[1::2]]
            found.append(topic)
    return found


def make_people(rng: random.Random, count: int, all_topics: list[Topic]) -> list[Person]:
    people = []
    # A few trades are common, most are rare: a long tail, as in a real community.
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(all_topics))]
    for member_id in range(1, count + 1):
        chosen: dict[str, float] = {}
        while len(chosen) < rng.randint(2, 4):
            topic = rng.choices(all_topics, weights)[0]
            chosen[topic.slug] = rng.uniform(0.2, 1.0)
        interests = [rng.choice(all_topics).slug for _ in range(rng.randint(1, 3))]
        people.append(
            Person(
                member_id,
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                rng.choice(("en", "it")),
                chosen,
                interests,
            )
        )
    return people


def profile_row(
    rng: random.Random, person: Person, by_slug: dict[str, Topic], hard: bool
) -> list[str]:
    expertise = sorted(person.strengths, key=lambda slug: -person.strengths[slug])
    if hard:
        phrases = [rng.choice(by_slug[slug].profile_words) for slug in expertise]
    else:
        phrases = [by_slug[slug].name_en.lower() for slug in expertise]
    starts = HEADLINE_IT if hard and person.language == "it" else HEADLINE_EN
    headline = f"{rng.choice(starts)} {phrases[0]}"
    bio = ", ".join(phrases)
    listed = [] if hard and rng.random() < 0.5 else expertise
    italian = hard and person.language == "it"

    def name(slug: str) -> str:
        return by_slug[slug].name_it if italian else by_slug[slug].name_en

    # A quarter of the listings are typed as a free tag that names the skill.
    as_tags = {slug for slug in listed if rng.random() < 0.25}
    language = "it" if italian else "en"
    suffix = "per startup" if italian else "for startups"
    tags = [
        free_tag_item(
            "offers" if person.strengths[slug] >= 0.7 else "skills",
            language,
            f"{name(slug)} {suffix}",
        )
        for slug in listed
        if slug in as_tags
    ]
    if rng.random() < 0.3:
        tags.append(free_tag_item(rng.choice(("skills", "interests")), *niche_tag(rng)))
    listed = [slug for slug in listed if slug not in as_tags]
    skills = [name(slug) for slug in listed if person.strengths[slug] < 0.7]
    offers = [name(slug) for slug in listed if person.strengths[slug] >= 0.7]
    interests = [name(slug) for slug in person.interests]
    return [
        str(person.member_id),
        person.name,
        headline,
        bio,
        ";".join(skills),
        ";".join(offers),
        "",
        ";".join(interests),
        ";".join(tags),
    ]


def question_text(rng: random.Random, topic: Topic, hard: bool) -> tuple[str, str, str]:
    language = rng.choice(("en", "it")) if hard else "en"
    ask, filler = (ASK_IT, FILLER_IT) if language == "it" else (ASK_EN, FILLER_EN)
    if hard:
        core = rng.sample(topic.question_words, min(2, len(topic.question_words)))
    else:
        core = [topic.name_en.lower(), rng.choice(topic.words)]
    title = f"{rng.choice(ask)} {core[0]}?"
    body = " ".join([*core[1:], *rng.sample(filler, 3)]).capitalize() + "."
    return title, body, language


def generate(out: Path, hard: bool, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed + (1 if hard else 0))
    all_topics = topics()
    by_slug = {topic.slug: topic for topic in all_topics}
    people = make_people(rng, args.members, all_topics)
    experts: dict[str, list[Person]] = {}
    for person in people:
        for slug in person.strengths:
            experts.setdefault(slug, []).append(person)
    out.mkdir(parents=True, exist_ok=True)
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    questions, answers = [], []
    answer_id = 0
    oracle_top = oracle_scored = 0
    asked_topics = list(experts)
    for question_id in range(1, args.questions + 1):
        slug = rng.choice(asked_topics)
        topic = by_slug[slug]
        asker = rng.choice(people)
        title, body, _language = question_text(rng, topic, hard)
        tagged = not hard or rng.random() < 0.3
        tag = (topic.name_it if rng.random() < 0.5 else topic.name_en) if hard else topic.name_en
        asked_at = start + timedelta(hours=6 * question_id)
        questions.append(
            [
                str(question_id),
                str(asker.member_id),
                title,
                body,
                tag if tagged else "",
                asked_at.isoformat(),
            ]
        )
        answerers = [
            person
            for person in experts[slug]
            if person is not asker and rng.random() < 0.05 + 0.35 * person.strengths[slug] ** 2
        ]
        answerers += [
            person
            for person in rng.sample(people, 2)
            if person is not asker and person not in answerers and rng.random() < 0.2
        ]
        if not answerers:
            continue
        # The asker accepts the best answer: the strongest answerer, give or take.
        best = max(
            answerers, key=lambda person: person.strengths.get(slug, 0.0) + rng.gauss(0, 0.1)
        )
        accept = rng.random() < 0.85
        if accept:
            # The ceiling: a finder that knew everyone's hidden strength on the skill.
            ahead = sum(
                1
                for person in people
                if person is not asker
                and person.strengths.get(slug, 0.0) > best.strengths.get(slug, 0.0)
            )
            oracle_top += ahead == 0
            oracle_scored += 1
        for order, person in enumerate(answerers):
            answer_id += 1
            words = topic.question_words if hard else topic.words
            empty = hard and rng.random() < 0.5
            text = (
                ""
                if empty
                else f"{rng.choice(words).capitalize()}: {' '.join(rng.choices(words, k=2))}."
            )
            answers.append(
                [
                    str(answer_id),
                    str(question_id),
                    str(person.member_id),
                    text,
                    "1" if accept and person is best else "0",
                    (asked_at + timedelta(minutes=30 * (order + 1))).isoformat(),
                ]
            )
    write(
        out / "members.csv",
        MEMBER_COLUMNS,
        [profile_row(rng, person, by_slug, hard) for person in people],
    )
    write_free_tags(out)
    write(
        out / "questions.csv",
        ["question_id", "asked_by", "title", "body", "tags", "created_at"],
        questions,
    )
    write(
        out / "answers.csv",
        ["answer_id", "question_id", "member_id", "body", "accepted", "created_at"],
        answers,
    )
    print(
        f"{out}: {len(people)} members, {len(questions)} questions, {len(answers)} answers; "
        f"ranking by the hidden strengths puts the accepted answerer first for "
        f"{oracle_top / max(oracle_scored, 1):.3f} of the accepted questions"
    )


MEET_SIDES = ("offers", "skills", "needs", "interests")


def generate_meet(out: Path, args: argparse.Namespace) -> None:
    """The people-to-meet set: a background of random listings and planted pairs."""
    rng = random.Random(f"{args.seed}-meet")
    all_topics = topics()
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(all_topics))]
    rng.shuffle(weights)
    names = [topic.name_en for topic in all_topics]
    listings: list[dict[str, list[str]]] = []
    for _member in range(args.meet_members):
        mine: dict[str, list[str]] = {side: [] for side in (*MEET_SIDES, "free_tags")}
        for name in set(rng.choices(names, weights, k=rng.randint(2, 5))):
            mine[rng.choice(MEET_SIDES)].append(name)
        for _tag in range(rng.randint(0, 2)):
            mine["free_tags"].append(free_tag_item(rng.choice(MEET_SIDES), *niche_tag(rng)))
        listings.append(mine)
    members = list(range(args.meet_members))
    rng.shuffle(members)
    pairs: list[list[str]] = []
    for number in range(args.pairs):
        one, other = members[2 * number], members[2 * number + 1]
        x, y = rng.sample(names, 2)
        if number % 2 == 0:
            kind = "complementary"
            listings[one]["needs"].append(x)
            listings[one]["offers"].append(y)
            listings[other]["offers"].append(x)
            listings[other]["needs"].append(y)
        else:
            kind = "similar"
            for member in (one, other):
                listings[member]["skills"] += [x, y]
        pairs.append([str(one + 1), str(other + 1), kind])
    for number in range(args.pairs, args.pairs + args.tag_pairs):
        one, other = members[2 * number], members[2 * number + 1]
        (x_it, x_en), (y_it, y_en) = rng.sample(NICHE_TAGS, 2)
        listings[one]["free_tags"] += [
            free_tag_item("needs", "it", x_it),
            free_tag_item("offers", "en", y_en),
        ]
        listings[other]["free_tags"] += [
            free_tag_item("offers", "en", x_en),
            free_tag_item("needs", "it", y_it),
        ]
        pairs.append([str(one + 1), str(other + 1), "free tags"])
    out.mkdir(parents=True, exist_ok=True)
    write(
        out / "members.csv",
        MEMBER_COLUMNS,
        [
            [
                str(index + 1),
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "",
                "",
                *(";".join(dict.fromkeys(mine[column])) for column in MEMBER_COLUMNS[4:]),
            ]
            for index, mine in enumerate(listings)
        ],
    )
    write(out / "pairs.csv", ["member_a", "member_b", "kind"], pairs)
    write_free_tags(out)
    print(
        f"{out}: {len(listings)} members, {len(pairs)} planted pairs ({args.pairs} on skills, "
        f"half complementary; {args.tag_pairs} on free tags)"
    )


def write(path: Path, header: list[str], rows: Sequence[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--questions", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--meet-members", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=400, help="planted pairs to meet")
    parser.add_argument(
        "--tag-pairs", type=int, default=200, help="planted pairs to meet on free tags"
    )
    args = parser.parse_args(argv)
    generate(args.out / "easy", False, args)
    generate(args.out / "hard", True, args)
    generate_meet(args.out / "meet", args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
