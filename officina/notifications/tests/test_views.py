from __future__ import annotations

import pytest

from officina.notifications.actions import do_notify
from officina.notifications.models import DigestPreference, Notification
from officina.notifications.selectors import unread_count

pytestmark = pytest.mark.django_db


def test_list_requires_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_list_shows_own_notifications_only(client_for, giulia, marco):
    do_notify(giulia, "test.kind", text="For Giulia", url="/feed/")
    do_notify(marco, "test.kind", text="For Marco", url="/feed/")
    response = client_for(giulia).get("/notifications/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "For Giulia" in content
    assert "For Marco" not in content
    assert 'id="notifications-badge" data-count="1"' in content


def test_open_marks_read_and_redirects(client_for, giulia):
    notification = do_notify(giulia, "test.kind", text="Look", url="/feed/")
    response = client_for(giulia).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/feed/"
    assert unread_count(giulia) == 0


def test_open_never_redirects_off_site(client_for, giulia):
    notification = do_notify(giulia, "test.kind", text="Look", url="https://evil.example/")
    response = client_for(giulia).post(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_cannot_open_someone_elses_notification(client_for, giulia, marco):
    notification = do_notify(giulia, "test.kind", text="Look", url="/feed/")
    response = client_for(marco).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_read_all(client_for, giulia):
    do_notify(giulia, "test.kind", text="a", url="/")
    do_notify(giulia, "test.kind", text="b", url="/")
    client_for(giulia).post("/notifications/read-all/")
    assert unread_count(giulia) == 0


def test_digest_preference_bad_value_changes_nothing(client_for, giulia):
    response = client_for(giulia).post("/notifications/digest/", {"frequency": "hourly"})
    assert response.status_code == 400
    assert not DigestPreference.objects.filter(member=giulia).exists()
    response = client_for(giulia).post("/notifications/digest/", {"frequency": "daily"})
    assert response.status_code == 302
    assert DigestPreference.objects.get(member=giulia).frequency == "daily"


def test_badge_costs_one_query(client_for, giulia, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    from officina.notifications.context_processors import unread_notifications

    do_notify(giulia, "test.kind", text="a", url="/")
    request = RequestFactory().get("/")
    request.user = giulia
    context = unread_notifications(request)
    with django_assert_num_queries(1):
        rendered = Template("{{ unread_notifications }}").render(Context(context))
    assert rendered == "1"


def test_italian_page(client_for, giulia):
    do_notify(giulia, "test.kind", text="x", url="/")
    response = client_for(giulia).get("/notifications/", headers={"accept-language": "it"})
    assert "Segna tutte come lette" in response.content.decode()
