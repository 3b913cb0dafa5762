"""Server-side latency of the busiest community pages on a large, freshly seeded database.

Seeds a scratch database (10,000 members and 100,000 posts by default, with
companies, spaces, follows, skills, questions, notifications and ~300 people
checked in), builds the search index, then requests each page as a signed-in
member through Django's test client: in process, so the figures are our code
plus the database, without a network or a web server in between.

    .venv/bin/python benchmarks/web.py
    .venv/bin/python benchmarks/web.py --members 2000 --posts 20000 --requests 50
    .venv/bin/python benchmarks/web.py \
        --database-url postgres://postgres@127.0.0.1:5432/officina_bench

A SQLite database lives in its own temporary directory and is deleted at the
end; a PostgreSQL database named in --database-url is created when missing
and dropped at the end when this script created it. --keep keeps either, and
a kept database that is already seeded is reused without seeding again.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

BENCH_EMAIL_DOMAIN = "bench.officina.test"
PASSWORD = "officina-bench"  # noqa: S105 - nobody logs in with it; pages use force_login
TARGET_P95_MS = 50.0


# Command line and scratch database ------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Seed a large community and print p50/p95 latency of the main pages."
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument(
        "--database-url",
        default="",
        help="sqlite:///path or postgres://user@host:port/name; a temporary SQLite by default",
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument(
        "--reindex",
        action="store_true",
        help="rebuild the search index of a kept database before measuring",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--analyze", action="store_true", help="run ANALYZE on SQLite too before measuring"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated page names to measure (default: all)"
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="print each page's SQL with its time (one request, after the warm-up)",
    )
    args = parser.parse_args(argv)
    if args.members < 100:
        parser.error("--members must be at least 100")
    if args.posts < 0 or args.requests < 1 or args.warmup < 0:
        parser.error("--posts, --requests and --warmup must be positive")
    return args


@dataclass
class ScratchDatabase:
    url: str
    cleanup: Callable[[], None]
    description: str


def _postgres_admin_url(url: str) -> tuple[str, str]:
    """The server's maintenance database URL, and the name of the database in ``url``."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"Use a plain database name (letters, digits, _) in {url!r}.")
    return urlunsplit(parts._replace(path="/postgres")), name


def prepare_database(url: str, keep: bool) -> ScratchDatabase:
    if not url:
        directory = Path(tempfile.mkdtemp(prefix="officina-bench-"))
        path = directory / "bench.sqlite3"

        def remove_directory() -> None:
            if keep:
                print(f"Kept the database: {path}")
            else:
                shutil.rmtree(directory, ignore_errors=True)

        return ScratchDatabase(f"sqlite:///{path}", remove_directory, f"SQLite {path}")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        admin_url, name = _postgres_admin_url(url)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')
        created = not exists

        def drop_database() -> None:
            from django.db import connections

            connections.close_all()
            if keep or not created:
                print(f"Kept the database: {url}")
                return
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return ScratchDatabase(url, drop_database, f"PostgreSQL {name}")
    if url.startswith("sqlite:"):
        return ScratchDatabase(url, lambda: None, f"SQLite {url}")
    raise SystemExit(f"Unsupported database URL: {url}")


def setup_django(database_url: str, var_dir: Path) -> None:
    # Development settings with DEBUG off: cached templates, no query log, as in production.
    os.environ["DJANGO_SETTINGS_MODULE"] = "officina.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = database_url
    os.environ["OFFICINA_VAR_DIR"] = str(var_dir)
    os.environ["MEDIA_ROOT"] = str(var_dir / "media")
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


# Seeding -----------------------------------------------------------------------------------

SPACES = [
    ("Officina Navigli", "navigli", "physical", "Via Vigevano 18", "Milano", 60),
    ("Officina San Salvario", "san-salvario", "physical", "Via Madama Cristina 50", "Torino", 35),
    ("Digital coworking", "digital", "remote", "", "", None),
]

SKILLS = [
    ("django", "Django", "Django", "development"),
    ("python", "Python", "Python", "development"),
    ("javascript", "JavaScript", "JavaScript", "development"),
    ("react", "React", "React", "development"),
    ("devops", "DevOps", "DevOps", "development"),
    ("mobile-apps", "Mobile apps", "App per smartphone", "development"),
    ("ux-research", "UX research", "Ricerca UX", "design"),
    ("graphic-design", "Graphic design", "Grafica", "design"),
    ("interior-design", "Interior design", "Arredamento d'interni", "design"),
    ("illustration", "Illustration", "Illustrazione", "design"),
    ("accounting", "Accounting", "Contabilità", "business"),
    ("fundraising", "Fundraising", "Raccolta fondi", "business"),
    ("business-plan", "Business planning", "Piano d'impresa", "business"),
    ("tax-law", "Tax law", "Diritto tributario", "legal"),
    ("privacy-gdpr", "Privacy and GDPR", "Privacy e GDPR", "legal"),
    ("contracts", "Contracts", "Contratti", "legal"),
    ("seo", "SEO", "SEO", "marketing"),
    ("social-media", "Social media", "Social media", "marketing"),
    ("digital-marketing", "Digital marketing", "Marketing digitale", "marketing"),
    ("copywriting", "Copywriting", "Copywriting", "writing"),
    ("translation", "Translation", "Traduzione", "writing"),
    ("editing", "Editing", "Editing", "writing"),
    ("photography", "Photography", "Fotografia", "media"),
    ("video-editing", "Video editing", "Montaggio video", "media"),
    ("podcasting", "Podcasting", "Podcast", "media"),
    ("woodworking", "Woodworking", "Falegnameria", "making"),
    ("3d-printing", "3D printing", "Stampa 3D", "making"),
    ("ceramics", "Ceramics", "Ceramica", "making"),
    ("data-analysis", "Data analysis", "Analisi dei dati", "data"),
    ("machine-learning", "Machine learning", "Apprendimento automatico", "data"),
    ("public-speaking", "Public speaking", "Parlare in pubblico", "people"),
    ("teaching", "Teaching", "Insegnamento", "people"),
    ("coaching", "Coaching", "Coaching", "people"),
]

HEADLINES = [
    "Sviluppatrice Django freelance",
    "Architetto, ristrutturazioni e interni",
    "Commercialista per startup e partite IVA",
    "Designer UX, ricerca con gli utenti",
    "Fotografo di prodotto e ritratti",
    "Consulente di marketing digitale",
    "Traduttrice tecnica inglese-italiano",
    "Data analyst, dashboard e report",
    "Avvocato, contratti e proprietà intellettuale",
    "Product manager in una startup fintech",
    "Illustratrice per libri per ragazzi",
    "Full-stack developer, Python and React",
    "Copywriter e content strategist",
    "Falegname e designer di arredi su misura",
    "Video maker, documentari e spot",
]

# Posts are a few of these sentences: enough shared words for realistic full-text matches.
POST_SENTENCES = [
    "Qualcuno ha un caricabatterie USB-C da prestarmi? Sono al secondo piano.",
    "Oggi alle 13 pranzo insieme nella cucina comune, porto la focaccia.",
    "Cerco un grafico per il logo di un nuovo progetto di ristorazione a Milano.",
    "Il caffè della macchinetta nuova è decisamente migliore, grazie a chi l'ha scelta!",
    "Abbiamo chiuso il primo cliente del progetto: grazie a tutti per i consigli.",
    "Domani workshop sulla fatturazione elettronica per freelance, sala Darsena.",
    "La stampante del primo piano è di nuovo senza toner, qualcuno avvisa la reception?",
    "Sto cercando uno sviluppatore Django per un progetto di tre mesi, anche part-time.",
    "Consiglio del giorno: fate il backup prima di aggiornare il sito.",
    "Chi viene alla presentazione del libro di venerdì sera?",
    "Ho bisogno di un parere legale su un contratto di fornitura, chi mi aiuta?",
    "Nuovo podcast sul lavoro da remoto: la prima puntata è online.",
    "Stiamo assumendo una persona per il marketing digitale e i social media.",
    "La riunione del condominio dei coworker è spostata a giovedì.",
    "Qualcuno conosce un buon fotografo per un servizio di prodotto?",
    "Looking for a React developer to help with a small dashboard project.",
    "Great talk yesterday about machine learning for small businesses, thanks!",
    "Does anyone have experience with GDPR and newsletter consent forms?",
    "We just shipped the new version of our booking app, feedback welcome.",
    "Coffee and pastries in the kitchen this morning, help yourselves.",
    "Hiring a part-time designer for a branding project, remote friendly.",
    "Tips for a first pitch to investors? Our demo day is next month.",
    "The meeting room projector needs a new HDMI cable, ordered one.",
    "Anyone up for a run along the Naviglio after work?",
    "Sharing my notes from the accessibility workshop: ask me for the link.",
    "Mi serve una mano con la traduzione in inglese di un sito di ceramica.",
    "Bellissima giornata al mercato dei produttori, torniamo il mese prossimo.",
    "Corso di stampa 3D aperto a tutti sabato mattina in laboratorio.",
    "Questa settimana lavoro da casa: mi trovate nel coworking digitale.",
    "Grazie a chi ha organizzato l'aperitivo, è stato un bel momento di community.",
]

QUESTION_TITLES = [
    "Come gestite la fatturazione elettronica da freelance?",
    "Quale hosting consigliate per un sito Django piccolo?",
    "Regime forfettario: conviene aprire la partita IVA adesso?",
    "How do you price a branding project for a small business?",
    "Best practices for GDPR consent on a newsletter?",
    "Consigli per un primo colloquio con un investitore?",
    "Which tools do you use to plan a podcast season?",
    "Come si prepara un contratto di collaborazione con un cliente estero?",
    "Che macchina fotografica comprare per foto di prodotto?",
    "How do you keep a remote team in sync across time zones?",
    "Qualcuno ha esperienza con i bandi regionali per l'innovazione?",
    "What's a good stack for a small data dashboard?",
]

NOTIFICATION_TEXTS = [
    "ha iniziato a seguirti",
    "ha commentato il tuo post",
    "ha risposto alla tua domanda",
    "ha confermato la tua competenza",
]


@contextmanager
def explicit_timestamps(*models: Any) -> Iterator[None]:
    """Let bulk_create keep the spread-out dates we give instead of "now" (auto_now_add)."""
    switched = []
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                switched.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


@dataclass
class Seeded:
    viewer_email: str
    # Signed up, follows nobody yet: the feed's sparse case (few matching posts).
    newcomer_email: str
    space_slug: str
    company_slug: str
    surname: str
    counts: dict[str, int]
    seconds: float


# Skills in members' own words (free tags), in the language they were written in.
FREE_TAGS = [
    ("Kubernetes", "en"),
    ("ReactJS", "en"),
    ("Figma", "en"),
    ("Tailwind CSS", "en"),
    ("Ceramica raku", "it"),
    ("Legatoria", "it"),
    ("Sartoria", "it"),
    ("Permacultura", "it"),
    ("Restauro del mobile", "it"),
    ("Lingua dei segni", "it"),
    ("Rust", "en"),
    ("Event planning", "en"),
]


def _bulk(model: Any, rows: list[Any], batch_size: int = 2000) -> int:
    for start in range(0, len(rows), batch_size):
        model.objects.bulk_create(rows[start : start + batch_size])
    return len(rows)


def seed(members: int, posts: int, rng: random.Random) -> Seeded:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from faker import Faker

    from officina.accounts.kinds import CompanyRole, RelationKind, SpaceRole
    from officina.accounts.models import (
        Company,
        CompanyMembership,
        CompanyRelation,
        Member,
        Space,
        SpaceMembership,
    )
    from officina.knowledge.models import Question
    from officina.notifications.models import Notification
    from officina.presence.kinds import CheckInKind
    from officina.presence.models import CheckIn
    from officina.skills.folding import folded
    from officina.skills.kinds import SkillKind, SkillLevel
    from officina.skills.models import FreeTag, MemberFreeTag, MemberSkill, Skill
    from officina.social.kinds import ReactionKind, Visibility
    from officina.social.models import Follow, Post, Profile, Reaction

    started = time.perf_counter()
    faker = Faker("it_IT")
    faker.seed_instance(rng.randint(0, 2**31))
    now = timezone.now()
    counts: dict[str, int] = {}

    def ago(max_days: float) -> datetime:
        return now - timedelta(seconds=rng.uniform(60, max_days * 86400))

    with (
        transaction.atomic(),
        explicit_timestamps(Member, Company, Post, Question, Notification, Follow, Reaction),
    ):
        spaces = [
            Space(
                name=name,
                slug=slug,
                kind=kind,
                address=address,
                city=city,
                capacity=capacity,
                time_zone="Europe/Rome",
                created_at=now - timedelta(days=900),
            )
            for name, slug, kind, address, city, capacity in SPACES
        ]
        counts["spaces"] = _bulk(Space, spaces)
        spaces = list(Space.objects.order_by("id"))
        navigli, san_salvario, digital = spaces

        skills = [
            Skill(slug=slug, name_en=en, name_it=it, category=category)
            for slug, en, it, category in SKILLS
        ]
        _bulk(Skill, skills)
        skills = list(Skill.objects.order_by("id"))

        company_total = max(members // 10, 10)
        companies = []
        for index in range(company_total):
            name = f"{faker.company()} {index}"
            companies.append(
                Company(
                    name=name,
                    slug=f"azienda-{index}",
                    description=faker.catch_phrase(),
                    city=rng.choice(["Milano", "Torino", "Bologna", "Roma", "Firenze"]),
                    space=rng.choice([navigli, san_salvario, None]),
                    created_at=ago(800),
                )
            )
        counts["companies"] = _bulk(Company, companies)
        companies = list(Company.objects.order_by("id"))
        relations = {
            (rng.randrange(company_total), rng.randrange(company_total))
            for _ in range(company_total)
        }
        counts["company relations"] = _bulk(
            CompanyRelation,
            [
                CompanyRelation(
                    from_company=companies[a],
                    to_company=companies[b],
                    kind=rng.choice(list(RelationKind)),
                )
                for a, b in relations
                if a != b
            ],
        )

        password = make_password(PASSWORD)
        member_rows = []
        surnames = []
        for index in range(members):
            first, last = faker.first_name(), faker.last_name()
            surnames.append(last)
            member_rows.append(
                Member(
                    email=f"member{index}@{BENCH_EMAIL_DOMAIN}",
                    first_name=first,
                    last_name=last,
                    password=password,
                    date_joined=ago(700),
                    language=rng.choice(["", "it", "en"]),
                )
            )
        counts["members"] = _bulk(Member, member_rows)
        member_ids = list(
            Member.objects.filter(email__endswith=BENCH_EMAIL_DOMAIN)
            .order_by("id")
            .values_list("id", flat=True)
        )
        counts["profiles"] = _bulk(
            Profile,
            [
                Profile(
                    member_id=member_id,
                    headline=rng.choice(HEADLINES),
                    bio=" ".join(rng.sample(POST_SENTENCES, 2)),
                )
                for member_id in member_ids
            ],
        )

        company_of: dict[int, int] = {}
        company_rows = []
        for position, member_id in enumerate(member_ids):
            company = companies[position % company_total]
            company_of[member_id] = company.pk
            company_rows.append(
                CompanyMembership(
                    member_id=member_id,
                    company=company,
                    role=CompanyRole.OWNER if position < company_total else CompanyRole.MEMBER,
                    is_primary=True,
                )
            )
        counts["company memberships"] = _bulk(CompanyMembership, company_rows)

        space_of: dict[int, Any] = {}
        space_rows = []
        for position, member_id in enumerate(member_ids):
            # The viewer (the first member) is at Navigli and in the digital space.
            home = navigli if position == 0 or rng.random() < 0.7 else san_salvario
            space_of[member_id] = home
            role = SpaceRole.MANAGER if position % 500 == 1 else SpaceRole.MEMBER
            space_rows.append(SpaceMembership(member_id=member_id, space=home, role=role))
            if position == 0 or rng.random() < 0.3:
                space_rows.append(SpaceMembership(member_id=member_id, space=digital))
        counts["space memberships"] = _bulk(SpaceMembership, space_rows)

        skill_rows = []
        for member_id in member_ids:
            for skill in rng.sample(skills, 3):
                skill_rows.append(
                    MemberSkill(
                        member_id=member_id,
                        skill=skill,
                        kind=rng.choice(list(SkillKind)),
                        level=rng.choice(list(SkillLevel)),
                    )
                )
        counts["member skills"] = _bulk(MemberSkill, skill_rows)

        # Free tags: what members list that the taxonomy lacks. Drawn from a generator
        # of their own, so that the rest of the community is the one seeded before.
        tag_rng = random.Random(f"free tags {members}")
        tags = [
            FreeTag(text=text, key=folded(text), language=language) for text, language in FREE_TAGS
        ]
        _bulk(FreeTag, tags)
        tags = list(FreeTag.objects.order_by("id"))
        free_tag_rows = [
            MemberFreeTag(member_id=member_id, tag=tag, kind=tag_rng.choice(list(SkillKind)))
            for member_id in member_ids
            if tag_rng.random() < 0.2
            for tag in tag_rng.sample(tags, tag_rng.randint(1, 2))
        ]
        counts["free tags"] = _bulk(MemberFreeTag, free_tag_rows)

        follow_rows = []
        for member_id in member_ids[:-1]:
            followed = set(rng.sample(member_ids, 51))
            followed.discard(member_id)
            for other in list(followed)[:50]:
                follow_rows.append(
                    Follow(follower_id=member_id, member_id=other, created_at=ago(600))
                )
            follow_rows.append(
                Follow(follower_id=member_id, space=space_of[member_id], created_at=ago(600))
            )
            for company_index in {rng.randrange(company_total) for _ in range(2)}:
                follow_rows.append(
                    Follow(
                        follower_id=member_id,
                        company=companies[company_index],
                        created_at=ago(600),
                    )
                )
        counts["follows"] = _bulk(Follow, follow_rows, batch_size=5000)

        post_rows = []
        for _ in range(posts):
            author_id = rng.choice(member_ids)
            roll = rng.random()
            company_id = space = None
            visibility = Visibility.COMMUNITY
            if roll < 0.10:
                visibility, space = Visibility.SPACE, space_of[author_id]
            elif roll < 0.15:
                visibility, company_id = Visibility.COMPANY, company_of[author_id]
            elif roll < 0.20:
                company_id = company_of[author_id]
            body = " ".join(rng.sample(POST_SENTENCES, rng.randint(1, 3)))
            post_rows.append(
                Post(
                    author_id=author_id,
                    body=body,
                    visibility=visibility,
                    company_id=company_id,
                    space=space,
                    created_at=ago(365),
                )
            )
        counts["posts"] = _bulk(Post, post_rows, batch_size=5000)

        # Reactions on a third of the posts, most of them recent enough to be in feeds.
        post_ids = list(Post.objects.order_by("-created_at").values_list("id", flat=True))
        reaction_rows = []
        reacted: dict[int, int] = {}
        for post_id in post_ids[: len(post_ids) // 3]:
            for member_id in rng.sample(member_ids, rng.randint(0, 4)):
                reaction_rows.append(
                    Reaction(
                        post_id=post_id,
                        member_id=member_id,
                        kind=rng.choice(list(ReactionKind)),
                        created_at=ago(300),
                    )
                )
                reacted[post_id] = reacted.get(post_id, 0) + 1
        counts["reactions"] = _bulk(Reaction, reaction_rows, batch_size=5000)
        by_count: dict[int, list[int]] = {}
        for post_id, total in reacted.items():
            by_count.setdefault(total, []).append(post_id)
        for total, ids in by_count.items():
            for start in range(0, len(ids), 900):
                Post.objects.filter(pk__in=ids[start : start + 900]).update(reaction_count=total)

        question_total = max(posts // 30, 10)
        question_rows = []
        for _ in range(question_total):
            in_space = rng.random() < 0.1
            question_rows.append(
                Question(
                    author_id=rng.choice(member_ids),
                    title=rng.choice(QUESTION_TITLES),
                    body=" ".join(rng.sample(POST_SENTENCES, 2)),
                    visibility="space" if in_space else "community",
                    space=rng.choice([navigli, san_salvario]) if in_space else None,
                    created_at=ago(365),
                    updated_at=now,
                )
            )
        counts["questions"] = _bulk(Question, question_rows)
        tag_rows = [
            Question.tags.through(question_id=question_id, skill_id=skill.pk)
            for question_id in Question.objects.values_list("id", flat=True)
            for skill in rng.sample(skills, 2)
        ]
        _bulk(Question.tags.through, tag_rows, batch_size=5000)

        notification_rows = [
            Notification(
                recipient_id=member_id,
                kind="social.follow",
                actor_id=rng.choice(member_ids),
                text=rng.choice(NOTIFICATION_TEXTS),
                url="/feed/",
                created_at=ago(90),
                read_at=None if rng.random() < 0.3 else now,
            )
            for member_id in member_ids
            for _ in range(5)
        ]
        counts["notifications"] = _bulk(Notification, notification_rows, batch_size=5000)

        # Past sessions (closed), then ~300 people checked in now: most at Navigli.
        past_rows = []
        for _ in range(members * 5):
            member_id = rng.choice(member_ids)
            began_at = ago(180)
            past_rows.append(
                CheckIn(
                    member_id=member_id,
                    space=space_of[member_id],
                    started_at=began_at,
                    ended_at=began_at + timedelta(hours=rng.uniform(1, 9)),
                )
            )
        counts["past check-ins"] = _bulk(CheckIn, past_rows, batch_size=5000)
        present = rng.sample(member_ids[1:], min(300, len(member_ids) - 1))
        open_rows = []
        for position, member_id in enumerate(present):
            remote = position % 5 == 0
            open_rows.append(
                CheckIn(
                    member_id=member_id,
                    space=digital if remote else (navigli if position % 5 < 4 else san_salvario),
                    kind=CheckInKind.REMOTE if remote else CheckInKind.ON_SITE,
                    started_at=now - timedelta(minutes=rng.randint(5, 300)),
                    planned_until=(now + timedelta(hours=rng.randint(1, 6))) if remote else None,
                    note="Lavoro al sito nuovo" if remote else "",
                )
            )
        counts["open check-ins"] = _bulk(CheckIn, open_rows)

    viewer = Member.objects.get(pk=member_ids[0])
    newcomer = Member.objects.get(pk=member_ids[-1])
    common_surname = max(set(surnames), key=surnames.count)
    from officina.search.actions import do_rebuild_index

    index_started = time.perf_counter()
    indexed = do_rebuild_index()
    counts["search documents"] = sum(indexed.values())
    print(f"  search index built in {time.perf_counter() - index_started:.1f} s")
    return Seeded(
        viewer_email=viewer.email,
        newcomer_email=newcomer.email,
        space_slug=navigli.slug,
        company_slug=companies[0].slug,
        surname=common_surname,
        counts=counts,
        seconds=time.perf_counter() - started,
    )


def already_seeded() -> Seeded | None:
    """What a kept, already seeded database offers, or None when it is empty."""
    from django.db.models import Count, Exists, OuterRef

    from officina.accounts.models import Member, Space
    from officina.social.models import Follow

    bench_members = Member.objects.filter(email__endswith=BENCH_EMAIL_DOMAIN)
    viewer = bench_members.order_by("id").first()
    if viewer is None:
        return None
    # NOT EXISTS, not NOT IN: PostgreSQL runs NOT IN over the 530,000 follows as a subplan
    # per member once its hash no longer fits in work_mem (minutes); this is an anti-join.
    newcomer = bench_members.exclude(Exists(Follow.objects.filter(follower=OuterRef("pk")))).first()
    if newcomer is None:
        # Seeded by an older version of this script: make its last member a newcomer.
        newcomer = bench_members.order_by("-id").first()
        assert newcomer is not None
        Follow.objects.filter(follower=newcomer).delete()
    surname = (
        Member.objects.values("last_name")
        .annotate(total=Count("id"))
        .order_by("-total")
        .values_list("last_name", flat=True)
        .first()
        or ""
    )
    return Seeded(
        viewer_email=viewer.email,
        newcomer_email=newcomer.email,
        space_slug=Space.objects.order_by("id").values_list("slug", flat=True).first() or "",
        company_slug="azienda-0",
        surname=surname,
        counts={"members": Member.objects.count()},
        seconds=0.0,
    )


# Measuring -------------------------------------------------------------------------------


@dataclass
class PageResult:
    name: str
    url: str
    status: int
    queries: int
    timings_ms: list[float]
    # CPU time of this process per request: unlike the wall clock, it does not grow
    # while other processes hold the cores, so it tells a busy machine from slow code.
    cpu_ms: list[float]

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.timings_ms)
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index]


def pages(seeded: Seeded) -> list[tuple[str, str, str]]:
    """(name, URL, e-mail of the member who asks)."""
    viewer, newcomer = seeded.viewer_email, seeded.newcomer_email
    return [
        ("feed", "/feed/", viewer),
        ("feed, newcomer", "/feed/", newcomer),
        ("feed, everyone", "/feed/all/", viewer),
        ("directory", "/members/", viewer),
        ("directory, name", f"/members/?q={seeded.surname}", viewer),
        ("directory, skill", "/members/?skill=django", viewer),
        ("directory, company", f"/members/?company={seeded.company_slug}", viewer),
        ("directory, free tag", "/members/?skill=ceramica+raku", viewer),
        ("search: caffè", "/search/?q=caff%C3%A8", viewer),
        ("search: progetto", "/search/?q=progetto", viewer),
        ("search: fatturazione elettronica", "/search/?q=fatturazione+elettronica", viewer),
        ("search: designer", "/search/?q=designer", viewer),
        ("search: Giulia", "/search/?q=Giulia", viewer),
        ("search: GDPR newsletter", "/search/?q=GDPR+newsletter", viewer),
        ("search: free tag", "/search/?q=kubernetes", viewer),
        ("who's here", f"/spaces/{seeded.space_slug}/", viewer),
    ]


@dataclass
class TimedQuery:
    sql: str
    ms: float


class QueryRecorder:
    """Every SQL statement of a request with its own time (finer than connection.queries)."""

    def __init__(self) -> None:
        self.queries: list[TimedQuery] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(TimedQuery(sql, (time.perf_counter() - began) * 1000))


def measure(
    client: Any, name: str, url: str, requests: int, warmup: int, show_queries: bool
) -> PageResult:
    from django.db import connection

    for _ in range(warmup):
        client.get(url)
    recorder = QueryRecorder()
    with connection.execute_wrapper(recorder):
        response = client.get(url)
    if show_queries:
        total = sum(query.ms for query in recorder.queries)
        print(f"\n-- {name} {url}: {len(recorder.queries)} queries, {total:.1f} ms in SQL")
        for query in recorder.queries:
            print(f"   {query.ms:7.2f} ms  {' '.join(query.sql.split())[:300]}")
    timings, cpu = [], []
    for _ in range(requests):
        began, began_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return PageResult(name, url, response.status_code, len(recorder.queries), timings, cpu)


def print_results(results: list[PageResult]) -> None:
    print(
        f"\n{'page':34} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'cpu p50':>8}"
    )
    for result in results:
        p95 = result.percentile(0.95)
        flag = "" if p95 < TARGET_P95_MS else "  > target"
        print(
            f"{result.name:34} {result.status:>6} {result.queries:>7} "
            f"{statistics.median(result.timings_ms):8.1f} {p95:8.1f} "
            f"{max(result.timings_ms):8.1f} {statistics.median(result.cpu_ms):8.1f}{flag}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="officina-bench-var-"))
    database = prepare_database(args.database_url, args.keep)
    try:
        setup_django(database.url, var_dir)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from officina.accounts.models import Member

        print(f"Database: {database.description} ({connection.vendor})")
        # Import every view now: the run then measures the code as it was when it started,
        # and a broken import fails here rather than after minutes of seeding.
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - loads the URLconf and the views
        began = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"Migrated in {time.perf_counter() - began:.1f} s")
        seeded = already_seeded()
        if seeded is not None:
            print(f"Reusing the seeded database ({seeded.counts['members']} members).")
            from officina.search.models import SearchDocument

            # A run that failed after seeding leaves an empty index behind: rebuild it too.
            if args.reindex or not SearchDocument.objects.exists():
                from officina.search.actions import do_rebuild_index

                began = time.perf_counter()
                do_rebuild_index()
                print(f"Search index rebuilt in {time.perf_counter() - began:.1f} s")
        else:
            print(f"Seeding {args.members} members and {args.posts} posts...")
            seeded = seed(args.members, args.posts, random.Random(args.seed))
            print(f"Seeded in {seeded.seconds:.1f} s:")
            print("  " + ", ".join(f"{count} {what}" for what, count in seeded.counts.items()))
        # PostgreSQL's autovacuum gathers planner statistics on its own after a bulk load;
        # nothing runs ANALYZE on a SQLite database unless asked (--analyze).
        if connection.vendor == "postgresql" or args.analyze:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        clients: dict[str, Any] = {}
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        results = []
        load_before = os.getloadavg()
        for name, url, email in pages(seeded):
            if wanted and not any(name.startswith(prefix) for prefix in wanted):
                continue
            if email not in clients:
                clients[email] = Client()
                clients[email].force_login(Member.objects.get(email=email))
            results.append(
                measure(clients[email], name, url, args.requests, args.warmup, args.show_queries)
            )
        load_after = os.getloadavg()
        print(
            f"\n{args.requests} requests per page after {args.warmup} warm-up requests, "
            f"signed in as {seeded.viewer_email} (newcomer: {seeded.newcomer_email}); "
            f"target p95 < {TARGET_P95_MS:.0f} ms"
        )
        print(
            f"Load average (1 min) on {os.cpu_count()} CPUs: {load_before[0]:.1f} before, "
            f"{load_after[0]:.1f} after"
        )
        print_results(results)
        return 0 if all(r.status == 200 for r in results) else 1
    finally:
        database.cleanup()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
