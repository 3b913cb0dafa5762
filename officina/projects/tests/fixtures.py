"""A project of Studio Rossi (Giulia owns the company, Marco works there) with Panificio
Bianchi (Sara) as its supplier, and Chiara, a client from outside the coworking, as a
guest viewer; one internal thread and one open thread."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from officina.accounts.actions import check_create_project_guest
from officina.accounts.models import Member
from officina.conftest import TEST_PASSWORD
from officina.projects import actions
from officina.projects.access import Standing, access_project_by_id
from officina.projects.kinds import ProjectRole
from officina.projects.models import Project, ProjectPerson, Thread


@dataclass
class Shop:
    project: Project
    internal: Thread
    open: Thread


@pytest.fixture
def chiara(db):
    """A client from outside the coworking: a project guest."""
    return check_create_project_guest(
        email="chiara@client.example",
        password=TEST_PASSWORD,
        first_name="Chiara",
        last_name="Neri",
    )


def standing(member: Member, project: Project) -> Standing:
    return access_project_by_id(member, project.pk)


@pytest.fixture
def shop(giulia, marco, sara, studio_rossi, panificio, chiara):
    project = actions.check_create_project(
        giulia, studio_rossi, name="Nuovo negozio", description="Il negozio di via Tortona."
    )
    owner = standing(giulia, project)
    actions.check_add_company(owner, panificio, role=ProjectRole.CONTRIBUTOR, relation="supplier")
    ProjectPerson.objects.create(project=project, member=chiara, role=ProjectRole.VIEWER)
    internal = actions.check_start_thread(
        owner, title="Margini e prezzi", body="Solo per noi.", is_internal=True
    )
    open_thread = actions.check_start_thread(owner, title="Calendario lavori", body="Le date.")
    return Shop(project, internal, open_thread)
