"""The demo project: Giulia's company renovates a client's shop with a supplier company
and the client's own person as a guest from outside the coworking, all through the
projects' actions. ``officina demo`` prints the guest's login."""

from __future__ import annotations

import sys
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from officina.accounts.actions import check_create_project_guest
from officina.accounts.demo import DEMO_EMAIL, DEMO_PASSWORD
from officina.accounts.selectors import (
    companies_directory,
    company_people,
    company_relations,
    find_member_by_email,
    primary_company,
)
from officina.core.demo import DemoContext
from officina.skills.selectors import all_skills

from . import actions
from .access import access_project_by_id
from .kinds import ProjectRole, TaskStatus
from .models import ProjectPerson
from .uploads import check_upload

GUEST_EMAIL = "elena.ferri@cliente.example"
PLAN = (
    "Sopralluogo,Data,Chi\n"
    "Misure del locale,lunedì,Studio\n"
    "Scelta dei materiali,mercoledì,Fornitore\n"
    "Approvazione del cliente,venerdì,Cliente\n"
).encode()


def populate(context: DemoContext) -> None:
    giulia = find_member_by_email(DEMO_EMAIL)
    company = primary_company(giulia) if giulia else None
    if giulia is None or company is None:
        return
    relations = company_relations(company)
    supplier = (
        relations.suppliers[0].company
        if relations.suppliers
        else companies_directory().exclude(pk=company.pk).first()
    )
    if supplier is None:
        return
    skills = [skill.slug for skill in all_skills()[:3]]
    project = actions.check_create_project(
        giulia,
        company,
        name="Nuovo negozio in via Tortona",
        description=(
            "Rinnoviamo il negozio di un cliente: progetto degli interni, forniture e "
            "cantiere in sei settimane."
        ),
        needed_skills=skills,
    )
    owner = access_project_by_id(giulia, project.pk)
    actions.check_add_company(owner, supplier, role=ProjectRole.CONTRIBUTOR, relation="supplier")
    guest = check_create_project_guest(
        email=GUEST_EMAIL,
        password=DEMO_PASSWORD,
        first_name="Elena",
        last_name="Ferri",
        language="it",
    )
    ProjectPerson.objects.create(project=project, member=guest, role=ProjectRole.VIEWER)

    supplier_person = next(iter(company_people(supplier)), None)
    internal = actions.check_start_thread(
        owner,
        title="Margini e preventivo",
        body="Teniamoci un margine del 15% sulle forniture. Solo per noi.",
        is_internal=True,
    )
    actions.check_comment(owner, internal, body="D'accordo, lo aggiorno nel preventivo.")
    calendar = actions.check_start_thread(
        owner,
        title="Calendario dei lavori",
        body="Ecco le date del cantiere: il sopralluogo lunedì, i materiali mercoledì.",
    )
    actions.check_comment(
        access_project_by_id(guest, project.pk),
        calendar,
        body="Per noi va bene. Possiamo vedere i campioni dei pavimenti, @Giulia Rossi?",
    )
    today = timezone.localdate()
    tasks = [
        ("Misure del locale", giulia.pk, 2, TaskStatus.DONE, False),
        (
            "Campioni dei pavimenti",
            supplier_person.member.pk if supplier_person else None,
            5,
            TaskStatus.DOING,
            False,
        ),
        ("Preventivo finale", giulia.pk, 7, TaskStatus.TODO, True),
        ("Approvazione del cliente", None, 10, TaskStatus.TODO, False),
    ]
    for title, assignee_id, in_days, status, is_internal in tasks:
        task = actions.check_create_task(
            owner,
            title=title,
            assignee_id=assignee_id,
            due_date=today + timedelta(days=in_days),
            is_internal=is_internal,
        )
        actions.check_set_task_status(owner, task, status)
    actions.check_add_file(
        owner, check_upload(SimpleUploadedFile("calendario.csv", PLAN)), name="Calendario"
    )
    sys.stdout.write(f"demo: a project guest logs in as {GUEST_EMAIL} / {DEMO_PASSWORD}\n")
