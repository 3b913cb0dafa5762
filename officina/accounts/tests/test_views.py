"""Account pages through HTTP: sign up, log in/out, password reset, settings, companies."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from officina.accounts.models import Company, CompanyMembership, CompanyRelation, Member
from officina.conftest import TEST_PASSWORD
from officina.pbx.models import Extension

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "first_name": "Anna",
    "last_name": "Neri",
    "email": "anna@example.com",
    "password": "lampada-blu-42",
    "password_again": "lampada-blu-42",
}


def confirmation_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/signup/confirm/[^/\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def sign_up_and_confirm(client: Client, fields: dict[str, str] = SIGN_UP) -> Any:
    response = client.post("/signup/", fields)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    link = confirmation_link(mail.outbox[-1])
    assert client.get(link).status_code == 200
    return client.post(link)


def test_sign_up_logs_in_and_goes_home(client):
    response = sign_up_and_confirm(client)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.context["user"].email == "anna@example.com"


def test_sign_up_gives_the_new_member_an_extension(client):
    sign_up_and_confirm(client)
    member = Member.objects.get(email="anna@example.com")
    extension = Extension.objects.get(member=member)
    assert extension.number.isdigit()


def test_sign_up_creates_nobody_until_the_mailed_link_is_confirmed(client):
    client.post("/signup/", SIGN_UP)
    assert not Member.objects.filter(email="anna@example.com").exists()
    assert "_auth_user_id" not in client.session
    (message,) = mail.outbox
    assert message.to == ["anna@example.com"]
    assert SIGN_UP["password"] not in str(message.body)
    # Opening the link (as a mail scanner does) creates nothing; the button does.
    client.get(confirmation_link(message))
    assert not Member.objects.filter(email="anna@example.com").exists()
    client.post(confirmation_link(message))
    assert Member.objects.get(email="anna@example.com").check_password(SIGN_UP["password"])


def without_csrf_tokens(response: Any) -> str:
    return re.sub(r'value="[^"]{64}"', "", response.content.decode())


def test_sign_up_does_not_tell_whether_an_address_has_an_account(client, giulia):
    fresh = client.post("/signup/", SIGN_UP)
    taken = Client().post("/signup/", SIGN_UP | {"email": "GIULIA@officina.test"})
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert without_csrf_tokens(Client().get(taken["Location"])) == without_csrf_tokens(
        client.get(fresh["Location"])
    )
    # Only the owner of the address learns that it has an account, by e-mail.
    reminder = mail.outbox[-1]
    assert reminder.to == ["giulia@officina.test"]
    assert reminder.subject == mail.outbox[0].subject
    assert "/login/" in str(reminder.body) and "/password-reset/" in str(reminder.body)
    assert "/signup/confirm/" not in str(reminder.body)
    giulia.refresh_from_db()
    assert giulia.check_password(TEST_PASSWORD)
    assert Member.objects.filter(email__iexact="giulia@officina.test").count() == 1


def test_a_sign_up_link_works_once_and_only_as_mailed(client):
    client.post("/signup/", SIGN_UP)
    link = confirmation_link(mail.outbox[-1])
    forged = link.replace("/confirm/", "/confirm/x")
    assert Client().post(forged).status_code == 302
    assert not Member.objects.exists() or not Member.objects.filter(email="anna@example.com")
    assert Client().post(link)["Location"] == "/"
    again = Client()
    response = again.post(link, follow=True)
    assert "exists already" in response.content.decode()
    assert "_auth_user_id" not in again.session
    assert Member.objects.filter(email="anna@example.com").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password_again": "different-42"}, "The two passwords differ."),
        ({"password": "12345678", "password_again": "12345678"}, "entirely numeric"),
        ({"email": "nope"}, "valid email"),
        ({"first_name": ""}, "required"),
    ],
)
def test_sign_up_shows_errors_and_creates_nobody(client, giulia, changes, message):
    before = Member.objects.count()
    response = client.post("/signup/", SIGN_UP | changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Member.objects.count() == before
    assert "_auth_user_id" not in client.session
    assert not mail.outbox


def test_log_in_applies_the_language_preference(client, giulia):
    giulia.language = "it"
    giulia.save()
    response = client.post(
        "/login/", {"username": "GIULIA@officina.test", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    page = client.get("/companies/")
    assert "Aziende" in page.content.decode()


def test_wrong_password_is_refused(client, giulia):
    response = client.post("/login/", {"username": giulia.email, "password": "wrong"})
    assert response.status_code == 400
    assert "Wrong e-mail address or password." in response.content.decode()


def test_log_out_needs_post(client_for, giulia):
    client = client_for(giulia)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/settings/").status_code == 302


def test_password_reset_by_email(client, giulia):
    client.post("/password-reset/", {"email": giulia.email})
    assert len(mail.outbox) == 1
    found = re.search(r"http://testserver(/password-reset/\S+/)", str(mail.outbox[0].body))
    assert found is not None
    link = found.group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "nuova-parola-77", "new_password2": "nuova-parola-77"},
    )
    assert response.status_code == 302
    giulia.refresh_from_db()
    assert giulia.check_password("nuova-parola-77")


def test_password_reset_of_unknown_address_sends_nothing(client):
    response = client.post("/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_settings_change_name_and_language(client_for, giulia):
    client = client_for(giulia)
    response = client.post(
        "/settings/",
        {"form": "settings", "first_name": "Giuly", "last_name": "Rossi", "language": "it"},
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    giulia.refresh_from_db()
    assert (giulia.first_name, giulia.language) == ("Giuly", "it")


def test_following_the_browser_forgets_the_language_cookie(client_for, giulia):
    client = client_for(giulia)
    client.post(
        "/settings/", {"form": "settings", "first_name": "G", "last_name": "R", "language": "it"}
    )
    response = client.post(
        "/settings/", {"form": "settings", "first_name": "G", "last_name": "R", "language": ""}
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    giulia.refresh_from_db()
    assert giulia.language == ""


def test_bad_settings_change_nothing(client_for, giulia):
    client = client_for(giulia)
    response = client.post(
        "/settings/", {"form": "settings", "first_name": "", "last_name": "R", "language": "xx"}
    )
    assert response.status_code == 400
    giulia.refresh_from_db()
    assert giulia.first_name == "Giulia"


def test_set_kiosk_pin_through_settings(client_for, giulia):
    client = client_for(giulia)
    bad = client.post("/settings/", {"form": "pin", "pin": "1111", "pin_again": "1111"})
    assert bad.status_code == 400 and "too easy" in bad.content.decode()
    mismatch = client.post("/settings/", {"form": "pin", "pin": "4071", "pin_again": "4072"})
    assert mismatch.status_code == 400
    giulia.refresh_from_db()
    assert not giulia.has_kiosk_pin
    assert (
        client.post("/settings/", {"form": "pin", "pin": "4071", "pin_again": "4071"}).status_code
        == 302
    )
    giulia.refresh_from_db()
    assert giulia.has_kiosk_pin


def test_anonymous_is_sent_to_log_in(client, studio_rossi):
    for url in ("/companies/", "/companies/studio-rossi/", "/settings/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_company_page_shows_people_and_relations_from_both_sides(
    client_for, outsider, studio_rossi, panificio
):
    client = client_for(outsider)
    rossi = client.get("/companies/studio-rossi/").content.decode()
    assert "Giulia Rossi" in rossi and "Marco Colombo" in rossi
    suppliers = rossi.split("Suppliers", 1)[1].split("Partners", 1)[0]
    assert "Panificio Bianchi" in suppliers
    bakery = client.get("/companies/panificio-bianchi/").content.decode()
    clients = bakery.split("Clients", 1)[1].split("Suppliers", 1)[0]
    assert "Studio Rossi" in clients


def test_missing_company_is_404(client_for, giulia):
    assert client_for(giulia).get("/companies/nope/").status_code == 404


def test_non_owner_cannot_edit_or_manage(client_for, marco, outsider, studio_rossi):
    client = client_for(marco)
    assert client.get("/companies/studio-rossi/edit/").status_code == 404
    assert (
        client.post(
            "/companies/studio-rossi/people/add/", {"email": outsider.email, "role": "member"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/companies/studio-rossi/relations/add/",
            {"kind": "partner", "other": "panificio-bianchi"},
        ).status_code
        == 404
    )
    assert not CompanyMembership.objects.filter(member=outsider).exists()
    assert CompanyRelation.objects.count() == 1


def test_owner_edits_the_company(client_for, giulia, studio_rossi):
    client = client_for(giulia)
    response = client.post(
        "/companies/studio-rossi/edit/",
        {
            "name": "Studio Rossi Architetti",
            "website": "studiorossi.it",
            "city": "Milano",
            "space": "navigli",
            "description": "",
        },
    )
    assert response.status_code == 302
    studio_rossi.refresh_from_db()
    assert studio_rossi.name == "Studio Rossi Architetti"
    assert studio_rossi.website == "https://studiorossi.it"


def test_bad_company_form_changes_nothing(client_for, giulia, studio_rossi):
    client = client_for(giulia)
    response = client.post(
        "/companies/studio-rossi/edit/", {"name": "", "website": "not a url", "space": "nowhere"}
    )
    assert response.status_code == 400
    studio_rossi.refresh_from_db()
    assert studio_rossi.name == "Studio Rossi"
    before = Company.objects.count()
    assert client.post("/companies/new/", {"name": ""}).status_code == 400
    assert Company.objects.count() == before


def test_owner_adds_relation_and_member_through_the_page(
    client_for, giulia, outsider, studio_rossi, panificio
):
    client = client_for(giulia)
    client.post(
        "/companies/studio-rossi/relations/add/", {"kind": "partner", "other": "panificio-bianchi"}
    )
    assert CompanyRelation.objects.filter(kind="partner").count() == 1
    client.post(
        "/companies/studio-rossi/relations/add/", {"kind": "partner", "other": "studio-rossi"}
    )
    assert CompanyRelation.objects.count() == 2
    client.post("/companies/studio-rossi/people/add/", {"email": outsider.email, "role": "member"})
    assert not CompanyMembership.objects.filter(member=outsider, company=studio_rossi).exists()
    invited = client_for(outsider)
    page = invited.get("/companies/studio-rossi/").content.decode()
    assert "Giulia Rossi invites you to join Studio Rossi." in page
    assert "Invitation to Studio Rossi" in invited.get("/settings/").content.decode()
    assert invited.post("/companies/studio-rossi/invitation/", {"decision": "x"}).status_code == 400
    invited.post("/companies/studio-rossi/invitation/", {"decision": "accept"})
    assert CompanyMembership.objects.filter(member=outsider, company=studio_rossi).exists()
    client.post(
        "/companies/studio-rossi/people/add/", {"email": "new@example.com", "role": "owner"}
    )
    assert "http://testserver/signup/" in str(mail.outbox[-1].body)


def test_companies_directory_query_count_is_pinned(
    client_for, giulia, make_company, make_member, django_assert_num_queries
):
    for number in range(25):
        make_company(f"Azienda {number}", owners=(make_member(),))
    client = client_for(giulia)
    # Session, member, unread-notifications badge, paginator count, one page of companies
    # with their people counts: the same five however many companies there are.
    with django_assert_num_queries(5):
        response = client.get("/companies/")
    assert response.status_code == 200
    assert "Azienda 24" in response.content.decode() or "Azienda 9" in response.content.decode()


def test_companies_directory_search(client_for, giulia, studio_rossi, panificio):
    page = client_for(giulia).get("/companies/?q=torino").content.decode()
    assert "Panificio Bianchi" in page and "Studio Rossi" not in page


def test_admin_lists_every_model_with_filters_and_search(client_for, admin, studio_rossi):
    client = client_for(admin)
    for model in (
        "member",
        "company",
        "companymembership",
        "companyinvitation",
        "companyrelation",
        "space",
        "spacemembership",
        "spacejoinrequest",
        "companyjoinrequest",
    ):
        response = client.get(f"/admin/accounts/{model}/?q=rossi")
        assert response.status_code == 200, model
        assert 'id="changelist-filter"' in response.content.decode(), model


def test_anonymous_client_sees_the_sign_up_form():
    page = Client().get("/signup/").content.decode()
    assert 'name="password_again"' in page


def _png(size: tuple[int, int] = (600, 300)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 79)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_owner_uploads_a_logo_that_is_reencoded(client_for, giulia, studio_rossi):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    client = client_for(giulia)
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = client.post(
        "/companies/studio-rossi/edit/",
        {"name": "Studio Rossi", "description": "", "website": "", "city": "Milano", "logo": logo},
    )
    assert response.status_code == 302
    studio_rossi.refresh_from_db()
    assert studio_rossi.logo.name.endswith(".png")
    with Image.open(studio_rossi.logo.path) as stored:
        assert stored.size == (400, 200)
    assert studio_rossi.logo.url in client.get("/companies/studio-rossi/").content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<?php echo 'hi'; ?>", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024 + 1), "2 MB at most"),
    ],
)
def test_bad_logo_changes_nothing(client_for, giulia, studio_rossi, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(giulia)
    upload = SimpleUploadedFile("logo.png", content, content_type="image/png")
    response = client.post(
        "/companies/studio-rossi/edit/",
        {"name": "Renamed", "description": "", "website": "", "city": "", "logo": upload},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    studio_rossi.refresh_from_db()
    assert studio_rossi.name == "Studio Rossi" and not studio_rossi.logo


# --- throttling: django-axes counts failures per account and per address (shared) ------


def fail_to_log_in(email: str, *, address: str = "198.51.100.7", times: int = 1) -> None:
    for _attempt in range(times):
        Client(REMOTE_ADDR=address).post("/login/", {"username": email, "password": "wrong-one"})


def test_an_account_is_locked_after_ten_wrong_passwords_even_for_the_right_one(giulia):
    fail_to_log_in(giulia.email, times=settings.AXES_FAILURE_LIMIT)
    # The right password from another address does not get in either, for now.
    client = Client(REMOTE_ADDR="203.0.113.9")
    response = client.post("/login/", {"username": giulia.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_out_message_is_translated(giulia):
    fail_to_log_in(giulia.email, times=settings.AXES_FAILURE_LIMIT)
    response = Client(REMOTE_ADDR="203.0.113.9", headers={"Accept-Language": "it"}).post(
        "/login/", {"username": giulia.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert "Troppi tentativi" in response.content.decode()


def test_an_address_guessing_across_accounts_is_locked_out(giulia, marco, sara):
    spread = settings.SIGN_IN_FAILURES_PER_ADDRESS // 2
    fail_to_log_in(marco.email, times=spread)
    fail_to_log_in(sara.email, times=settings.SIGN_IN_FAILURES_PER_ADDRESS - spread)
    response = Client(REMOTE_ADDR="198.51.100.7").post(
        "/login/", {"username": giulia.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    # Elsewhere Giulia signs in as usual: neither her account nor that address is hers.
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    response = elsewhere.post("/login/", {"username": giulia.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(giulia.pk)


def test_an_office_behind_one_address_is_not_locked_out_by_its_members_typos(
    giulia, marco, sara, luca
):
    # A morning at the coworking: three members mistype, together more often than one
    # account may fail, from the office's one public address.
    for member in (marco, sara, luca):
        fail_to_log_in(member.email, times=settings.AXES_FAILURE_LIMIT - 1)
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = client.post("/login/", {"username": giulia.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(giulia.pk)


def test_a_right_password_before_the_limit_starts_the_count_again(giulia):
    fail_to_log_in(giulia.email, times=settings.AXES_FAILURE_LIMIT - 1)
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.post("/login/", {"username": giulia.email, "password": TEST_PASSWORD})
    fail_to_log_in(giulia.email, times=settings.AXES_FAILURE_LIMIT - 1)
    response = Client(REMOTE_ADDR="198.51.100.7").post(
        "/login/", {"username": giulia.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


def test_password_reset_requests_are_throttled_per_account(giulia):
    for number in range(settings.AXES_FAILURE_LIMIT + 3):
        Client(REMOTE_ADDR=f"198.51.100.{number + 1}").post(
            "/password-reset/", {"email": giulia.email}
        )
    assert len(mail.outbox) < settings.AXES_FAILURE_LIMIT
    response = Client(REMOTE_ADDR="203.0.113.9").post("/password-reset/", {"email": giulia.email})
    assert response.status_code == 429


def test_password_reset_requests_are_throttled_per_address(db):
    client = Client(REMOTE_ADDR="198.51.100.7")
    answers = [
        client.post("/password-reset/", {"email": f"probe{number}@example.com"}).status_code
        for number in range(settings.SIGN_IN_FAILURES_PER_ADDRESS + 1)
    ]
    assert answers[0] == 302 and answers[-1] == 429


def test_the_header_switch_and_the_settings_field_are_one_setting(client_for, giulia):
    client = client_for(giulia)
    response = client.post("/language/", {"language": "it", "next": "/settings/"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    giulia.refresh_from_db()
    assert giulia.language == "it"
    page = client.get("/settings/").content.decode()
    assert '<option value="it" selected>' in page
    assert "Impostazioni" in page


def test_the_members_language_wins_over_an_old_cookie_on_another_browser(client_for, giulia):
    giulia.language = "it"
    giulia.save(update_fields=["language"])
    other_browser = client_for(giulia)
    other_browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = other_browser.get("/settings/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "it"


def test_an_unknown_language_from_the_switch_changes_nothing(client_for, giulia):
    client = client_for(giulia)
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    giulia.refresh_from_db()
    assert giulia.language == ""
    assert "Unknown language." in client.get("/").content.decode()
    assert client.get("/language/").status_code == 405


def test_a_visitor_switches_language_with_the_cookie_only(client):
    response = client.post("/language/", {"language": "it", "next": "/login/"})
    assert response["Location"] == "/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    assert "Accedi" in client.get("/login/").content.decode()


def test_e_mails_to_a_member_are_in_the_language_they_chose(client, giulia):
    giulia.language = "it"
    giulia.save(update_fields=["language"])
    client.post("/password-reset/", {"email": giulia.email}, HTTP_ACCEPT_LANGUAGE="en")
    client.post(
        "/signup/",
        {
            "first_name": "Giulia",
            "last_name": "Rossi",
            "email": giulia.email,
            "password": "lampada-blu-42",
            "password_again": "lampada-blu-42",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    reset, reminder = mail.outbox
    assert reset.subject == "La tua nuova password di Officina"
    assert reminder.subject == "Il tuo account Officina"
    assert reminder.body.startswith("Ciao Giulia Rossi,")


def test_a_member_reads_times_in_the_time_zone_they_chose(client_for, giulia, marco):
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from officina.core.moments import shown_moment
    from officina.social.actions import check_send_message, check_start_conversation

    conversation = check_start_conversation(giulia, [marco])
    message = check_send_message(giulia, conversation, "ciao")
    client = client_for(marco)
    saved = client.post(
        "/settings/",
        {
            "form": "settings",
            "first_name": "Marco",
            "last_name": "Colombo",
            "language": "en",
            "time_zone": "America/New_York",
        },
    )
    assert saved.status_code == 302
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    with translation.override("en"):
        new_york = shown_moment(message.created_at, ZoneInfo("America/New_York"))
        rome = shown_moment(message.created_at, ZoneInfo("Europe/Rome"))
    assert new_york != rome
    assert new_york in page and rome not in page
    assert "America/New York" in client.get("/settings/").content.decode()


def test_an_unknown_time_zone_changes_nothing(client_for, giulia):
    response = client_for(giulia).post(
        "/settings/",
        {
            "form": "settings",
            "first_name": "Giuly",
            "last_name": "Rossi",
            "language": "it",
            "time_zone": "Mars/Olympus_Mons",
        },
    )
    assert response.status_code == 400
    giulia.refresh_from_db()
    assert (giulia.first_name, giulia.language, giulia.time_zone) == ("Giulia", "", "")


def test_adding_a_person_makes_a_member_and_removing_asks_first(
    client_for, giulia, studio_rossi, make_member
):
    from officina.accounts.models import CompanyMembership

    newcomer = make_member("nina@officina.test", first_name="Nina", last_name="Neri")
    client = client_for(giulia)
    page = client.get("/companies/studio-rossi/")
    assert page.context["add_member_form"]["role"].value() == "member"
    client.post("/companies/studio-rossi/people/add/", {"email": newcomer.email, "role": "member"})
    client_for(newcomer).post("/companies/studio-rossi/invitation/", {"decision": "accept"})
    assert CompanyMembership.objects.get(member=newcomer).role == "member"
    html = client.get("/companies/studio-rossi/").content.decode()
    assert "Remove from the company" in html
    assert 'data-confirm="Remove Nina Neri from Studio Rossi? They keep their account."' in html
    italian = client.get(
        "/companies/studio-rossi/", headers={"accept-language": "it"}
    ).content.decode()
    assert "Rimuovi dall’azienda" in italian and "Elimina" not in italian


def test_ask_to_join_a_company_and_an_owner_accepts_on_its_page(
    client_for, giulia, marco, outsider, studio_rossi
):
    from officina.accounts.models import CompanyJoinRequest

    asking = client_for(outsider)
    asking.post("/companies/studio-rossi/join/", {"message": "I draw plans"})
    assert "You asked to join" in asking.get("/companies/studio-rossi/").content.decode()
    request = CompanyJoinRequest.objects.get()
    assert "I draw plans" not in client_for(marco).get("/companies/studio-rossi/").content.decode()
    denied = client_for(marco).post(
        f"/companies/studio-rossi/requests/{request.pk}/", {"decision": "approve"}
    )
    assert denied.status_code == 404
    owner = client_for(giulia)
    assert "I draw plans" in owner.get("/companies/studio-rossi/").content.decode()
    bad = owner.post(f"/companies/studio-rossi/requests/{request.pk}/", {"decision": "x"})
    assert bad.status_code == 400 and CompanyJoinRequest.objects.exists()
    owner.post(f"/companies/studio-rossi/requests/{request.pk}/", {"decision": "approve"})
    assert CompanyMembership.objects.get(member=outsider, company=studio_rossi).role == "member"
