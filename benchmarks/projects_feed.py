"""Project lines in the social feed: what they cost on a database with many projects.

    .venv/bin/python benchmarks/projects_feed.py                    # 500 projects, 100,000 lines
    .venv/bin/python benchmarks/projects_feed.py --projects 50 --lines 20 --requests 20

Seeds a scratch SQLite database (its own temporary directory; never var/) with
``--companies`` companies of one member each and ``--projects`` projects, each owned by a
random company with ``--partners`` other companies taking part, and ``--lines`` lines of
activity per project (one in five internal). Then times, ``--requests`` times each, for
the member whose company takes part in the most projects and for one in no project:
``projects.selectors.my_activity(member, limit=5)`` (the feed's card) and the whole
``/feed/`` page through Django's test client (queries and ms). Prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import latency  # benchmarks/latency.py: wall-clock and CPU times of each run


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--partners", type=int, default=3, help="companies per project")
    parser.add_argument("--lines", type=int, default=200, help="activity lines per project")
    parser.add_argument("--requests", type=int, default=100, help="timed reads of each kind")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "officina.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = database_url
    os.environ["OFFICINA_VAR_DIR"] = str(var_dir)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def seed(args: argparse.Namespace, rng: random.Random) -> tuple[Any, Any]:
    """The busiest member (their company takes part in the most projects) and a member
    in no project."""
    from officina.accounts.kinds import CompanyRole
    from officina.accounts.models import Company, CompanyMembership, Member
    from officina.projects.kinds import ActivityKind, ProjectRole
    from officina.projects.models import Activity, Project, ProjectCompany

    people = Member.objects.bulk_create(
        Member(email=f"member{i}@bench.test", first_name=f"Member{i}", last_name="Bench")
        for i in range(args.companies + 1)
    )
    companies = Company.objects.bulk_create(
        Company(name=f"Company {i}", slug=f"company-{i}") for i in range(args.companies)
    )
    CompanyMembership.objects.bulk_create(
        CompanyMembership(member=person, company=company, role=CompanyRole.OWNER, is_primary=True)
        for person, company in zip(people, companies, strict=False)
    )
    owners = [rng.choice(companies) for _ in range(args.projects)]
    projects = Project.objects.bulk_create(
        Project(company=owner, name=f"Project {i}") for i, owner in enumerate(owners)
    )
    taking_part = []
    for project, owner in zip(projects, owners, strict=True):
        taking_part.append(ProjectCompany(project=project, company=owner, role=ProjectRole.OWNER))
        others = rng.sample([c for c in companies if c.pk != owner.pk], args.partners)
        taking_part += [
            ProjectCompany(
                project=project, company=c, role=ProjectRole.CONTRIBUTOR, relation="client"
            )
            for c in others
        ]
    ProjectCompany.objects.bulk_create(taking_part)
    kinds = [ActivityKind.THREAD, ActivityKind.COMMENT, ActivityKind.TASK, ActivityKind.FILE]
    for project in projects:
        actor = people[rng.randrange(args.companies)]
        Activity.objects.bulk_create(
            Activity(
                project=project,
                actor=actor,
                kind=rng.choice(kinds),
                subject=f"Subject {n}",
                url=f"/projects/{project.pk}/",
                is_internal=n % 5 == 0,
            )
            for n in range(args.lines)
        )
    # The seed writes lines in bulk, not through the actions: each project's newest
    # times are set as the actions keep them.
    for project in projects:
        lines = Activity.objects.filter(project=project)
        Project.objects.filter(pk=project.pk).update(
            last_activity_at=lines.order_by("-created_at").values("created_at")[:1],
            last_open_activity_at=lines.filter(is_internal=False)
            .order_by("-created_at")
            .values("created_at")[:1],
        )
    counts: dict[int, int] = {}
    for row in taking_part:
        counts[row.company_id] = counts.get(row.company_id, 0) + 1
    busiest_company = max(counts, key=counts.__getitem__)
    busiest = CompanyMembership.objects.get(company_id=busiest_company).member
    print(f"busiest member's company takes part in {counts[busiest_company]} projects")
    return busiest, people[-1]


def _activity_of(member: Any, _run: int) -> object:
    from officina.projects.selectors import my_activity

    return my_activity(member, 5)


def _feed_for(client: Any, _run: int) -> object:
    return client.get("/feed/")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    directory = Path(tempfile.mkdtemp(prefix="officina-bench-projects-"))
    try:
        setup_django(f"sqlite:///{directory / 'bench.sqlite3'}", directory / "var")
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        busiest, nobody = seed(args, rng)
        lines = args.projects * args.lines
        took = time.perf_counter() - started
        print(f"seeded {args.projects} projects, {lines} lines in {took:.1f} s")
        for label, member in (("in the most projects", busiest), ("in no project", nobody)):
            activity = latency.measure(partial(_activity_of, member), args.requests)
            print(latency.summary(f"my_activity, {label}", activity))
            client = Client()
            client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/feed/").status_code == 200
            # Counted now: each request the client makes afterwards resets the query log.
            query_count = len(queries)
            page = latency.measure(partial(_feed_for, client), args.requests)
            print(latency.summary(f"/feed/ ({query_count} queries), {label}", page))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
