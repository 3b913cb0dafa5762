"""The demo project loads through the actions, and its guest can log in and see it."""

import pytest
from django.test import Client

from officina.accounts import demo as accounts_demo
from officina.core.demo import DemoContext
from officina.projects import demo as projects_demo
from officina.projects.models import Project, SharedFile, Task, Thread

pytestmark = pytest.mark.django_db


def test_demo_project_with_a_supplier_and_a_client_guest(capsys):
    context = DemoContext(members=40, companies=8)
    accounts_demo.populate(context)
    projects_demo.populate(context)

    project = Project.objects.get()
    assert project.companies.count() == 2
    assert project.people.get().member.is_guest
    assert Thread.objects.filter(is_internal=True).count() == 1
    assert Task.objects.count() == 4 and SharedFile.objects.count() == 1
    assert f"{projects_demo.GUEST_EMAIL} / {accounts_demo.DEMO_PASSWORD}" in capsys.readouterr().out

    client = Client()
    response = client.post(
        "/login/",
        {"username": projects_demo.GUEST_EMAIL, "password": accounts_demo.DEMO_PASSWORD},
    )
    assert response.status_code == 302
    page = client.get(f"/projects/{project.pk}/threads/", HTTP_ACCEPT_LANGUAGE="it")
    assert "Calendario dei lavori" in page.content.decode()
    assert "Margini e preventivo" not in page.content.decode()
    assert client.get("/feed/").status_code == 404
