"""The people-to-meet page and the skills page's list, through the Django client; bad
input answers a clear error and changes nothing."""

from __future__ import annotations

import pytest

from officina.matchmaking.models import DeclinedSuggestion, Introduction, Shown
from officina.skills.actions import check_add_member_skill
from officina.skills.kinds import SkillKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_reasons(community, tax, ux, giulia, marco):
    """Marco offers two things Giulia needs: the old list showed him twice."""
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(giulia, ux, SkillKind.NEED)
    check_add_member_skill(marco, tax, SkillKind.OFFER)
    check_add_member_skill(marco, ux, SkillKind.OFFER)


def test_the_skills_page_shows_each_person_to_meet_once(two_reasons, client_for, giulia, marco):
    html = client_for(giulia).get("/skills/mine/").content.decode()
    assert 'id="people-to-meet"' in html
    assert html.count(f'data-member="{marco.pk}"') == 1
    assert "Marco Colombo offers Tax and VAT, which you need" in html
    assert "Marco Colombo offers UX design, which you need" in html
    assert "People who can help" not in html
    assert Shown.objects.filter(viewer=giulia, member=marco).exists()


def test_the_page_in_italian_and_asking_from_it(two_reasons, client_for, giulia, marco):
    client = client_for(giulia)
    html = client.get("/meet/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert (
        "Persone da conoscere" in html and "Marco Colombo offre Fisco e IVA, che ti serve" in html
    )
    response = client.post(f"/meet/{marco.pk}/ask/")
    assert response.status_code == 302 and response["Location"].endswith("/meet/#asked")
    assert Introduction.objects.filter(asked_by=giulia, asked_of=marco).exists()
    again = client.post(f"/meet/{marco.pk}/ask/", follow=True)
    assert "You asked already." in again.content.decode()
    assert Introduction.objects.count() == 1


def test_not_now_and_bad_input(two_reasons, client_for, giulia, marco, sara):
    client = client_for(giulia)
    assert client.post(f"/meet/{marco.pk}/decline/").status_code == 302
    assert DeclinedSuggestion.objects.filter(member=giulia, other=marco).exists()
    assert "Marco Colombo" not in client.get("/meet/").content.decode()
    assert client.post("/meet/999999/ask/").status_code == 404
    assert client.get(f"/meet/{marco.pk}/ask/").status_code == 405
    mine = client.post(f"/meet/{giulia.pk}/ask/", follow=True)
    assert "That is you." in mine.content.decode()
    assert not Introduction.objects.exists()
    # Someone else's introduction does not exist for Sara.
    introduction = Introduction.objects.create(
        pair_key=f"{giulia.pk}:{marco.pk}", asked_by=giulia, asked_of=marco
    )
    assert client_for(sara).post(f"/introductions/{introduction.pk}/accept/").status_code == 404
    assert Introduction.objects.get().status == "pending"
