"""Project activity in the social feed: each line reaches exactly the people of its
project, internal lines only the owning company's, through ``selectors.my_activity``."""

from __future__ import annotations

from django.test import Client

from officina.projects import actions
from officina.projects.kinds import ProjectRole
from officina.projects.selectors import my_activity
from officina.projects.tests.fixtures import standing
from officina.social.actions import do_follow
from officina.social.models import Post


def feed_lines(client: Client) -> str:
    response = client.get("/feed/")
    assert response.status_code == 200
    lines = response.context["project_activity"]
    return " | ".join(f"{line.project.name}: {line.subject}" for line in lines)


def test_the_owning_company_sees_its_internal_lines_in_the_feed(shop, client_for, marco):
    shown = feed_lines(client_for(marco))
    assert "Margini e prezzi" in shown and "Calendario lavori" in shown
    page = client_for(marco).get("/feed/").content.decode()
    assert 'id="project-activity"' in page and "Calendario lavori" in page


def test_a_company_taking_part_never_sees_internal_lines(shop, client_for, sara):
    shown = feed_lines(client_for(sara))
    assert "Calendario lavori" in shown
    assert "Margini e prezzi" not in shown
    assert "Margini e prezzi" not in client_for(sara).get("/feed/").content.decode()


def test_someone_in_no_project_sees_no_project_lines(shop, client_for, luca):
    response = client_for(luca).get("/feed/")
    assert response.context["project_activity"] == []
    page = response.content.decode()
    assert 'id="project-activity"' not in page and "Calendario lavori" not in page


def test_lines_of_another_project_stay_there(shop, client_for, giulia, sara, panificio):
    own = actions.check_create_project(sara, panificio, name="Forno nuovo")
    actions.check_start_thread(standing(sara, own), title="Preventivo forno", body="Cifre.")
    assert "Preventivo forno" in feed_lines(client_for(sara))
    assert "Preventivo forno" not in feed_lines(client_for(giulia))


def test_a_company_that_leaves_the_project_stops_seeing_its_lines(
    shop, client_for, giulia, sara, panificio
):
    actions.check_remove_company(standing(giulia, shop.project), panificio.pk)
    assert "Calendario lavori" not in feed_lines(client_for(sara))


def test_a_guest_has_no_feed_and_reads_only_open_lines_of_their_projects(shop, client_for, chiara):
    assert client_for(chiara).get("/feed/").status_code == 404
    subjects = {line.subject for line in my_activity(chiara)}
    assert "Calendario lavori" in subjects and "Margini e prezzi" not in subjects


def test_an_outside_company_sees_only_its_projects_lines(
    shop, client_for, sara, make_member, studio_rossi, giulia
):
    # Another project of Studio Rossi that Panificio is not part of.
    other = actions.check_create_project(giulia, studio_rossi, name="Sito web")
    actions.check_start_thread(standing(giulia, other), title="Colori del sito", body="Blu.")
    shown = feed_lines(client_for(sara))
    assert "Colori del sito" not in shown and "Sito web" not in shown


def test_older_pages_of_the_feed_do_not_repeat_the_lines(shop, client_for, marco):
    response = client_for(marco).get("/feed/", {"after": "2026-01-01T00:00:00+00:00~1"})
    assert response.context["project_activity"] == []


def test_project_lines_cost_the_feed_two_queries_however_many_projects(
    client_for, giulia, studio_rossi, panificio, make_member, django_assert_num_queries
):
    authors = [make_member() for _ in range(8)]
    for author in authors:
        do_follow(giulia, member=author)
    Post.objects.bulk_create([Post(author=authors[n % 8], body=f"post {n}") for n in range(60)])
    client = client_for(giulia)

    def add_projects(count: int) -> None:
        for n in range(count):
            project = actions.check_create_project(giulia, studio_rossi, name=f"Progetto {n}")
            owner = standing(giulia, project)
            actions.check_add_company(
                owner, panificio, role=ProjectRole.CONTRIBUTOR, relation="supplier"
            )
            for t in range(3):
                actions.check_start_thread(owner, title=f"Filo {t}", body=".", is_internal=t == 0)

    add_projects(2)
    client.get("/feed/")
    # The feed's ten (test_feed_query_count_is_pinned in social) and two: the member's
    # projects, then their newest lines with actors and projects (someone in no project
    # costs the first only).
    with django_assert_num_queries(12):
        response = client.get("/feed/")
    assert len(response.context["project_activity"]) == 5
    add_projects(10)
    with django_assert_num_queries(12):
        response = client.get("/feed/")
    assert len(response.context["project_activity"]) == 5


def test_the_latest_lines_are_the_same_as_reading_every_line(
    client_for, giulia, sara, studio_rossi, panificio
):
    """The floor taken from each project's newest line leaves out no line that reading
    every line of every project would show, internal or not, however few projects."""
    import random

    from django.db.models import Q

    from officina.projects.models import Activity

    rng = random.Random(18)
    projects = []
    for n in range(8):
        project = actions.check_create_project(giulia, studio_rossi, name=f"Progetto {n}")
        if n % 2 == 0:  # Sara's company takes part in half of them
            actions.check_add_company(
                standing(giulia, project), panificio, role="contributor", relation="supplier"
            )
        projects.append(project)
    for n in range(60):
        project = rng.choice(projects[:3]) if n % 3 else rng.choice(projects)
        actions.check_start_thread(
            standing(giulia, project), title=f"Filo {n}", body=".", is_internal=rng.random() < 0.4
        )

    def every_line(member_projects: list[int], insider: bool) -> list[int]:
        seen = Q() if insider else Q(is_internal=False)
        return list(
            Activity.objects.filter(seen, project_id__in=member_projects).values_list(
                "pk", flat=True
            )
        )

    for member, insider, theirs in (
        (giulia, True, [p.pk for p in projects]),
        (sara, False, [p.pk for p in projects[::2]]),
    ):
        for limit in (1, 3, 5, 20):
            assert [line.pk for line in my_activity(member, limit)] == every_line(theirs, insider)[
                :limit
            ]
