"""Home: landing for visitors, dashboard for members, both languages."""

import pytest

from officina.events import actions as event_actions
from officina.presence import actions as presence_actions

pytestmark = pytest.mark.django_db


def test_visitors_get_the_landing_page(client, navigli):
    page = client.get("/").content.decode()
    assert "Join the community" in page and "/signup/" in page and "Officina Navigli" in page


def test_members_get_their_dashboard(client_for, giulia, marco, navigli):
    from datetime import timedelta

    from django.utils import timezone

    presence_actions.check_check_in(marco, navigli, note="Rossi website")
    start = timezone.now() + timedelta(days=1)
    event = event_actions.check_create_event(
        giulia, navigli, title="Aperitivo", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    page = client_for(giulia).get("/").content.decode()
    assert "Hello, Giulia" in page
    # Names and notes in the page itself, not in tooltips a phone cannot show.
    people = page.split('class="plain present-people"', 1)[1].split("</ul>", 1)[0]
    assert "Officina Navigli" in page and "Marco Colombo" in people and "Rossi website" in people
    assert f'href="/members/{marco.pk}/"' in people
    assert f"/events/{event.pk}/" in page
    assert "Studio Rossi" in page


def test_dashboard_offers_check_out_when_checked_in(client_for, giulia, navigli):
    presence_actions.check_check_in(giulia, navigli)
    page = client_for(giulia).get("/").content.decode()
    assert "/spaces/navigli/check-out/" in page


def test_pages_speak_italian(client_for, giulia, navigli):
    client = client_for(giulia)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Ciao, Giulia" in page
    assert "Chi c'è adesso" in page
    for url in ("/spaces/navigli/", "/events/", "/companies/", "/settings/"):
        italian = client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
        assert 'lang="it"' in italian
        assert "Impostazioni" in italian, url


def test_dashboard_query_count_does_not_grow_with_people(
    client_for, giulia, navigli, digital, make_member, django_assert_num_queries
):
    from officina.accounts.actions import do_join_space

    for _ in range(30):
        person = make_member()
        do_join_space(person, navigli)
        presence_actions.check_check_in(person, navigli)
    client = client_for(giulia)
    # session, member, roles, spaces, counts, one short list per space (2), own session,
    # my events, upcoming events, companies, notifications badge.
    with django_assert_num_queries(12):
        response = client.get("/")
    assert response.status_code == 200
    assert response.content.decode().count('<li class="person row">') == 12
