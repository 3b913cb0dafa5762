"""/api/projects: guests use it alone of the API; internal items answer 404 to outsiders;
the actions' rules answer 400 with the field, bad shapes 422."""

from __future__ import annotations

from officina.projects.models import Comment, Task, Thread


def test_a_guest_lists_their_projects_and_reads_the_open_threads(shop, client_for, chiara):
    client = client_for(chiara)
    projects = client.get("/api/projects").json()
    assert [p["name"] for p in projects] == ["Nuovo negozio"]
    detail = client.get(f"/api/projects/{shop.project.pk}").json()
    assert detail["role"] == "viewer" and detail["sees_internal"] is False
    assert {p["member"]["name"] for p in detail["people"]} >= {"Chiara Neri", "Sara Bianchi"}
    threads = client.get(f"/api/projects/{shop.project.pk}/threads").json()
    assert [t["title"] for t in threads] == ["Calendario lavori"]
    assert client.get(f"/api/projects/threads/{shop.internal.pk}").status_code == 404
    assert client.get("/api/projects/threads/999999").status_code == 404


def test_a_guest_comments_but_does_not_start_threads(shop, client_for, chiara):
    client = client_for(chiara)
    made = client.post(
        f"/api/projects/threads/{shop.open.pk}/comments",
        {"body": "Va bene."},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["author"]["name"] == "Chiara Neri"
    refused = client.post(
        f"/api/projects/{shop.project.pk}/threads",
        {"title": "Nuovo", "body": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert Thread.objects.count() == 2 and Comment.objects.count() == 1


def test_tasks_through_the_api_follow_the_rules(shop, client_for, giulia, sara):
    client = client_for(giulia)
    url = f"/api/projects/{shop.project.pk}/tasks"
    past = client.post(
        url, {"title": "Forno", "due_date": "2020-01-01"}, content_type="application/json"
    )
    assert past.status_code == 400
    assert past.json()["field"] == "due_date" and "has passed" in past.json()["message"]
    nul = client.post(url, {"title": "Fo\u0000rno"}, content_type="application/json")
    assert nul.status_code == 422
    assert not Task.objects.exists()
    made = client.post(
        url,
        {"title": "Forno", "assignee": sara.pk, "due_date": "2099-01-01"},
        content_type="application/json",
    )
    assert made.status_code == 201
    task_id = made.json()["id"]
    moved = client_for(sara).post(
        f"/api/projects/tasks/{task_id}/status",
        {"status": "doing"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["status"] == "doing"
    assert [t["title"] for t in client_for(sara).get(f"{url}?status=doing").json()] == ["Forno"]


def test_strangers_get_404_and_the_signed_out_401(shop, client_for, outsider, client):
    assert client_for(outsider).get(f"/api/projects/{shop.project.pk}").status_code == 404
    assert client_for(outsider).get("/api/projects").json() == []
    assert client.get("/api/projects").status_code == 401


def test_editing_and_deleting_through_the_api_take_the_author_or_an_owner(
    shop, client_for, giulia, sara, chiara
):
    guest = client_for(chiara)
    made = guest.post(
        f"/api/projects/threads/{shop.open.pk}/comments",
        {"body": "Va bene."},
        content_type="application/json",
    ).json()
    changed = guest.patch(
        f"/api/projects/comments/{made['id']}", {"body": "Va benissimo."}, "application/json"
    )
    assert changed.status_code == 200 and changed.json()["body"] == "Va benissimo."
    # Someone else's comment, or one that does not exist: the same 404.
    for path in (f"/api/projects/comments/{made['id']}", "/api/projects/comments/999999"):
        assert client_for(sara).patch(path, {"body": "x"}, "application/json").status_code == 404
        assert client_for(sara).delete(path).status_code == 404
    blank = guest.patch(f"/api/projects/comments/{made['id']}", {"body": "  "}, "application/json")
    assert blank.status_code == 400 and blank.json()["field"] == "body"
    assert Comment.objects.get().body == "Va benissimo."
    assert guest.delete(f"/api/projects/comments/{made['id']}").status_code == 204
    assert not Comment.objects.exists()

    owner = client_for(giulia)
    renamed = owner.patch(
        f"/api/projects/threads/{shop.open.pk}",
        {"title": "Calendario", "body": "Date nuove"},
        "application/json",
    )
    assert renamed.status_code == 200 and renamed.json()["title"] == "Calendario"
    assert client_for(sara).delete(f"/api/projects/threads/{shop.open.pk}").status_code == 404
    assert owner.delete(f"/api/projects/threads/{shop.open.pk}").status_code == 204
    assert not Thread.objects.filter(pk=shop.open.pk).exists()


def test_an_archived_project_refuses_writes_through_the_api(shop, client_for, giulia, sara, chiara):
    path = f"/api/projects/{shop.project.pk}/archive"
    assert client_for(sara).post(path, {"archived": True}, "application/json").status_code == 404
    archived = client_for(giulia).post(path, {"archived": True}, "application/json")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert client_for(chiara).get(f"/api/projects/{shop.project.pk}").json()["archived"] is True
    refused = client_for(chiara).post(
        f"/api/projects/threads/{shop.open.pk}/comments", {"body": "Ci sono?"}, "application/json"
    )
    assert refused.status_code == 404 and not Comment.objects.exists()
    assert (
        client_for(sara)
        .post(f"/api/projects/{shop.project.pk}/tasks", {"title": "Nuovo"}, "application/json")
        .status_code
        == 404
    )
    assert not Task.objects.exists()
    back = client_for(giulia).post(path, {"archived": False}, "application/json")
    assert back.json()["archived"] is False
