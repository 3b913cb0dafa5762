import pytest
from django.urls import reverse

from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension
from officina.pbx.models import Extension, SipCredential

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia(client):
    member = Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia"
    )
    client.force_login(member)
    return member


def test_phone_page_provisions_an_extension_on_first_visit(client, giulia):
    response = client.get(reverse("pbx:phone"))
    assert response.status_code == 200
    extension = Extension.objects.get(member=giulia)
    assert extension.number.encode() in response.content
    assert b"/sip/ws" in response.content


def test_new_password_is_shown_once_and_a_reload_makes_no_other(client, giulia):
    do_provision_extension(giulia)
    before = SipCredential.objects.get().ha1_md5
    response = client.post(reverse("pbx:phone"))
    # Post, redirect, get: the browser's reload repeats the GET, not the POST.
    assert response.status_code == 302 and response["Location"] == reverse("pbx:phone")
    made = SipCredential.objects.get().ha1_md5
    assert made != before
    shown = client.get(reverse("pbx:phone"))
    password = shown.context["new_password"]
    assert password and password.encode() in shown.content
    reloaded = client.get(reverse("pbx:phone"))
    assert password.encode() not in reloaded.content
    assert reloaded.context["new_password"] is None
    assert SipCredential.objects.get().ha1_md5 == made


def test_regenerating_needs_the_csrf_token(giulia):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(giulia)
    assert strict.post(reverse("pbx:phone")).status_code == 403


def test_phone_page_needs_sign_in(client):
    from django.urls import NoReverseMatch

    try:
        reverse("accounts:login")
    except NoReverseMatch:
        pytest.skip("the sign-in page is not there yet")
    response = client.get(reverse("pbx:phone"))
    assert response.status_code == 302


def test_profile_panel_shows_credentials_only_to_the_member(client, giulia, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    other = Member.objects.create_user(email="marco@example.it", password="pw")
    do_provision_extension(giulia)
    template = Template("{% load pbx_tags %}{% pbx_profile_panel member %}")
    request = rf.get("/")
    request.user = other
    seen_by_other = template.render(Context({"request": request, "member": giulia}))
    assert "201" in seen_by_other and "officina.local" not in seen_by_other
    request.user = giulia
    seen_by_self = template.render(Context({"request": request, "member": giulia}))
    assert "officina.local" in seen_by_self
    request.user = AnonymousUser()
    assert "Registered devices" not in template.render(
        Context({"request": request, "member": giulia})
    )
