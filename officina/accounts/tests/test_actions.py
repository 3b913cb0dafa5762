"""Account actions: each rule, and bad input that changes nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from officina.accounts import actions
from officina.accounts.models import (
    Company,
    CompanyInvitation,
    CompanyMembership,
    CompanyRelation,
    Member,
    Space,
    SpaceMembership,
)
from officina.conftest import TEST_PASSWORD
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db


def test_sign_up_creates_a_member_with_a_usable_password():
    member = actions.check_sign_up(
        email=" Anna.Neri@Example.COM ",
        password="lampada-blu-42",
        first_name="Anna",
        last_name="Neri",
        language="it",
    )
    assert member.email == "anna.neri@example.com"
    assert member.check_password("lampada-blu-42")
    assert member.language == "it"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "giulia@officina.test"}, "email"),
        ({"email": "GIULIA@officina.test"}, "email"),
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"first_name": "  "}, "first_name"),
        ({"language": "xx"}, "language"),
    ],
)
def test_sign_up_refuses_bad_input_and_creates_nobody(giulia, fields, field):
    before = Member.objects.count()
    data = {
        "email": "new@example.com",
        "password": "lampada-blu-42",
        "first_name": "Anna",
        "last_name": "Neri",
        "language": "",
    } | fields
    with pytest.raises(OfficinaError) as caught:
        actions.check_sign_up(**data)
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert caught.value.details["field"] == field
    assert Member.objects.count() == before


def test_sign_up_applies_pending_invitations(giulia, studio_rossi):
    actions.check_add_company_member(giulia, studio_rossi, email="nuova@example.com")
    assert len(mail.outbox) == 1
    assert "Studio Rossi" in mail.outbox[0].subject
    member = actions.check_sign_up(
        email="nuova@example.com",
        password="lampada-blu-42",
        first_name="Nuova",
        last_name="Persona",
    )
    membership = CompanyMembership.objects.get(member=member)
    assert membership.company == studio_rossi and membership.is_primary
    assert not CompanyInvitation.objects.exists()


def test_sign_up_many_creates_members_in_order_with_their_invitations(giulia, studio_rossi):
    actions.check_add_company_member(giulia, studio_rossi, email="nuova@example.com")
    members = actions.do_sign_up_many(
        [
            actions.SignUp("nuova@example.com", "lampada-blu-42", "Nuova", "Persona", "it"),
            actions.SignUp("altra@example.com", "lampada-blu-42", "Altra", "Persona"),
            actions.SignUp("terza@example.com", "finestra-verde-7", "Terza", "Persona"),
        ]
    )
    assert [m.email for m in members] == [
        "nuova@example.com",
        "altra@example.com",
        "terza@example.com",
    ]
    assert all(m.pk for m in members)
    assert members[0].language == "it"
    assert members[1].check_password("lampada-blu-42")
    assert members[2].check_password("finestra-verde-7")
    assert not members[2].check_password("lampada-blu-42")
    membership = CompanyMembership.objects.get(member=members[0])
    assert membership.company == studio_rossi and membership.is_primary
    assert not CompanyMembership.objects.filter(member__in=members[1:]).exists()
    assert not CompanyInvitation.objects.exists()


def test_kiosk_pin_is_hashed_and_checked(marco):
    actions.check_set_kiosk_pin(marco, "4071")
    marco.refresh_from_db()
    assert marco.kiosk_pin and "4071" not in marco.kiosk_pin
    assert actions.check_kiosk_pin(marco.pk, "4071") == marco


@pytest.mark.parametrize("pin", ["12", "abcd", "123456789", "1111", "1234", "4321"])
def test_weak_or_malformed_pins_are_refused(marco, pin):
    with pytest.raises(OfficinaError):
        actions.check_set_kiosk_pin(marco, pin)
    marco.refresh_from_db()
    assert marco.kiosk_pin == ""


def test_wrong_pins_lock_the_pin_for_a_while(marco):
    actions.check_set_kiosk_pin(marco, "4071")
    now = timezone.now()
    for _ in range(actions.KIOSK_PIN_MAX_FAILURES):
        with pytest.raises(OfficinaError) as caught:
            actions.check_kiosk_pin(marco.pk, "9999", now=now)
        assert caught.value.code == ErrorCode.INVALID_INPUT
    # Even the right PIN is refused while locked...
    with pytest.raises(OfficinaError) as caught:
        actions.check_kiosk_pin(marco.pk, "4071", now=now)
    assert caught.value.code == ErrorCode.RATE_LIMITED
    # ...and accepted once the lock has passed.
    later = now + actions.KIOSK_PIN_LOCK + timedelta(seconds=1)
    assert actions.check_kiosk_pin(marco.pk, "4071", now=later) == marco


def test_member_without_pin_cannot_use_the_kiosk(marco):
    with pytest.raises(OfficinaError):
        actions.check_kiosk_pin(marco.pk, "")


def test_creating_a_company_makes_the_creator_owner(outsider):
    company = actions.check_create_company(
        outsider, name="Ugo Web Studio", website="https://ugo.it"
    )
    assert company.slug == "ugo-web-studio"
    membership = CompanyMembership.objects.get(company=company)
    assert membership.member == outsider and membership.role == "owner" and membership.is_primary


def test_company_slugs_stay_unique(outsider, studio_rossi):
    company = actions.check_create_company(outsider, name="Studio Rossi")
    assert company.slug == "studio-rossi-2"


@pytest.mark.parametrize(
    ("name", "website"), [("", ""), ("Ok", "javascript:alert(1)"), ("x" * 121, "")]
)
def test_bad_company_input_creates_nothing(outsider, name, website):
    before = Company.objects.count()
    with pytest.raises(OfficinaError):
        actions.check_create_company(outsider, name=name, website=website)
    assert Company.objects.count() == before


def test_only_owners_update_a_company(marco, studio_rossi):
    with pytest.raises(OfficinaError) as caught:
        actions.check_update_company(
            marco, studio_rossi, name="Hacked", description="", website="", city="", space=None
        )
    assert caught.value.code == ErrorCode.NOT_FOUND
    studio_rossi.refresh_from_db()
    assert studio_rossi.name == "Studio Rossi"


def test_an_existing_member_is_invited_and_joins_on_accepting(giulia, outsider, studio_rossi):
    from officina.notifications.models import Notification

    invitation = actions.check_add_company_member(giulia, studio_rossi, email="UGO@officina.test")
    assert isinstance(invitation, CompanyInvitation)
    assert not CompanyMembership.objects.filter(member=outsider).exists()
    [invited] = Notification.objects.filter(recipient=outsider)
    assert invited.shown_text == "Giulia Rossi invites you to join Studio Rossi."
    actions.check_answer_company_invitation(outsider, studio_rossi, accept=True)
    membership = CompanyMembership.objects.get(member=outsider)
    assert membership.company == studio_rossi and membership.is_primary
    assert membership.role == "member"
    assert Notification.objects.get(recipient=giulia).shown_text == (
        "Ugo Esposito accepted your invitation to Studio Rossi."
    )
    with pytest.raises(OfficinaError) as again:  # answered once
        actions.check_answer_company_invitation(outsider, studio_rossi, accept=True)
    assert again.value.code == ErrorCode.NOT_FOUND


def test_a_declined_invitation_adds_nobody(giulia, outsider, studio_rossi):
    actions.check_add_company_member(giulia, studio_rossi, email=outsider.email)
    actions.check_answer_company_invitation(outsider, studio_rossi, accept=False)
    assert not CompanyMembership.objects.filter(member=outsider).exists()
    assert not CompanyInvitation.objects.exists()


@pytest.mark.parametrize("approve", [True, False])
def test_asking_to_join_a_company_waits_for_an_owner(
    giulia, marco, outsider, studio_rossi, approve
):
    from officina.accounts.models import CompanyJoinRequest
    from officina.notifications.models import Notification

    actions.check_ask_to_join_company(outsider, studio_rossi, message="I draw plans")
    assert Notification.objects.get(recipient=giulia).shown_text == (
        "Ugo Esposito asks to join Studio Rossi."
    )
    with pytest.raises(OfficinaError) as twice:
        actions.check_ask_to_join_company(outsider, studio_rossi)
    assert twice.value.code == ErrorCode.CONFLICT
    request = CompanyJoinRequest.objects.get()
    with pytest.raises(OfficinaError):  # a member, not an owner
        actions.check_decide_company_join_request(marco, request, approve=True)
    actions.check_decide_company_join_request(giulia, request, approve=approve)
    joined = CompanyMembership.objects.filter(member=outsider, company=studio_rossi)
    assert joined.exists() is approve
    assert not CompanyJoinRequest.objects.exists()
    assert Notification.objects.filter(recipient=outsider).count() == 1


def test_non_owner_cannot_add_members(marco, outsider, studio_rossi):
    with pytest.raises(OfficinaError):
        actions.check_add_company_member(marco, studio_rossi, email=outsider.email)
    assert not CompanyMembership.objects.filter(member=outsider).exists()


def test_adding_twice_is_a_conflict(giulia, marco, studio_rossi):
    with pytest.raises(OfficinaError) as caught:
        actions.check_add_company_member(giulia, studio_rossi, email=marco.email)
    assert caught.value.code == ErrorCode.CONFLICT


def test_last_owner_cannot_leave_or_be_demoted(giulia, studio_rossi):
    with pytest.raises(OfficinaError):
        actions.check_remove_company_member(giulia, studio_rossi, giulia)
    with pytest.raises(OfficinaError):
        actions.check_set_company_role(giulia, studio_rossi, giulia, "member")
    assert CompanyMembership.objects.get(member=giulia, company=studio_rossi).role == "owner"


def test_members_may_leave_but_not_remove_others(giulia, marco, studio_rossi):
    with pytest.raises(OfficinaError):
        actions.check_remove_company_member(marco, studio_rossi, giulia)
    actions.check_remove_company_member(marco, studio_rossi, marco)
    assert not CompanyMembership.objects.filter(member=marco, company=studio_rossi).exists()


def test_primary_company_switches(marco, studio_rossi, panificio, sara):
    actions.check_add_company_member(sara, panificio, email=marco.email)
    actions.check_answer_company_invitation(marco, panificio, accept=True)
    actions.check_set_primary_company(marco, panificio)
    primary = CompanyMembership.objects.get(member=marco, is_primary=True)
    assert primary.company == panificio


def test_relations_only_by_owners_and_not_twice(giulia, marco, sara, studio_rossi, panificio):
    # Panificio already says Studio Rossi is its client: Rossi's "supplier" is the same fact.
    with pytest.raises(OfficinaError) as caught:
        actions.check_add_company_relation(giulia, studio_rossi, panificio, "supplier")
    assert caught.value.code == ErrorCode.CONFLICT
    with pytest.raises(OfficinaError):
        actions.check_add_company_relation(marco, studio_rossi, panificio, "partner")
    with pytest.raises(OfficinaError):
        actions.check_add_company_relation(giulia, studio_rossi, studio_rossi, "partner")
    with pytest.raises(OfficinaError):
        actions.check_add_company_relation(giulia, studio_rossi, panificio, "enemy")
    assert CompanyRelation.objects.count() == 1
    actions.check_add_company_relation(giulia, studio_rossi, panificio, "partner")
    assert CompanyRelation.objects.count() == 2


def test_either_side_may_end_a_relation(giulia, marco, studio_rossi, panificio):
    relation = CompanyRelation.objects.get()
    with pytest.raises(OfficinaError):
        actions.check_remove_company_relation(marco, relation)
    actions.check_remove_company_relation(giulia, relation)
    assert not CompanyRelation.objects.exists()


def test_only_staff_open_spaces(giulia, admin):
    with pytest.raises(OfficinaError):
        actions.check_create_space(giulia, name="Officina Bologna")
    space = actions.check_create_space(
        admin, name="Officina Bologna", city="Bologna", time_zone="Europe/Rome", capacity=20
    )
    assert SpaceMembership.objects.get(space=space).role == "manager"


def test_a_space_may_get_a_chosen_address(admin, giulia, navigli):
    space = actions.check_create_space(admin, name="Officina Bologna", slug="bologna")
    assert space.slug == "bologna"
    opened = actions.do_create_space(giulia, name="Officina Bergamo", slug="bergamo")
    assert opened.slug == "bergamo"
    assert SpaceMembership.objects.get(space=opened).member == giulia
    before = Space.objects.count()
    for slug in ("Bo logna", "new"):
        with pytest.raises(OfficinaError) as caught:
            actions.do_create_space(giulia, name="Officina Bologna", slug=slug)
        assert caught.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(OfficinaError) as caught:
        actions.do_create_space(giulia, name="Officina Bologna", slug=navigli.slug)
    assert caught.value.code == ErrorCode.CONFLICT
    assert Space.objects.count() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "CEST"},
        {"capacity": 0},
        {"name": " "},
        {"kind": "orbit"},
    ],
)
def test_bad_space_input_creates_nothing(admin, fields):
    before = Space.objects.count()
    with pytest.raises(OfficinaError):
        actions.check_create_space(admin, **({"name": "Officina Bologna"} | fields))
    assert Space.objects.count() == before


def test_managers_set_roles_and_the_last_manager_stays(luca, giulia, navigli):
    with pytest.raises(OfficinaError):
        actions.check_set_space_role(giulia, navigli, giulia, "manager")
    actions.check_set_space_role(luca, navigli, giulia, "manager")
    actions.check_set_space_role(luca, navigli, luca, "member")
    with pytest.raises(OfficinaError):
        actions.check_set_space_role(giulia, navigli, giulia, "member")
    with pytest.raises(OfficinaError):
        actions.check_leave_space(giulia, navigli)


def test_join_space_is_idempotent(outsider, navigli):
    actions.do_join_space(outsider, navigli)
    actions.do_join_space(outsider, navigli)
    assert SpaceMembership.objects.filter(member=outsider, space=navigli).count() == 1


def test_test_password_works(giulia):
    assert giulia.check_password(TEST_PASSWORD)
