"""Who may read and manage companies and spaces: one rule per test."""

import pytest

from officina.accounts.access import (
    access_company_by_slug,
    access_space_by_slug,
    is_company_owner,
    is_space_manager,
)
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db


def test_any_member_reads_a_company(outsider, studio_rossi):
    assert access_company_by_slug(outsider, "studio-rossi") == studio_rossi


def test_only_owners_manage_a_company(giulia, marco, sara, studio_rossi):
    assert access_company_by_slug(giulia, "studio-rossi", to_manage=True) == studio_rossi
    for not_owner in (marco, sara):
        with pytest.raises(OfficinaError) as caught:
            access_company_by_slug(not_owner, "studio-rossi", to_manage=True)
        assert caught.value.code == ErrorCode.NOT_FOUND


def test_missing_and_forbidden_company_look_the_same(marco, studio_rossi):
    with pytest.raises(OfficinaError) as missing:
        access_company_by_slug(marco, "no-such-company")
    with pytest.raises(OfficinaError) as forbidden:
        access_company_by_slug(marco, "studio-rossi", to_manage=True)
    assert missing.value.code == forbidden.value.code
    assert str(missing.value) == str(forbidden.value)


def test_anonymous_sees_no_company(studio_rossi):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(OfficinaError):
        access_company_by_slug(AnonymousUser(), "studio-rossi")  # type: ignore[arg-type]


def test_inactive_member_sees_no_company(marco, studio_rossi):
    marco.is_active = False
    marco.save()
    with pytest.raises(OfficinaError):
        access_company_by_slug(marco, "studio-rossi")


def test_superuser_owns_every_company(admin, studio_rossi):
    assert is_company_owner(admin, studio_rossi)


def test_space_is_visible_to_all_but_its_people_only_to_members(outsider, giulia, navigli):
    assert access_space_by_slug(outsider, "navigli") == navigli
    assert access_space_by_slug(giulia, "navigli", as_member=True) == navigli
    with pytest.raises(OfficinaError) as caught:
        access_space_by_slug(outsider, "navigli", as_member=True)
    assert caught.value.code == ErrorCode.NOT_FOUND


def test_only_managers_manage_a_space(luca, giulia, navigli):
    assert is_space_manager(luca, navigli)
    assert access_space_by_slug(luca, "navigli", to_manage=True) == navigli
    with pytest.raises(OfficinaError):
        access_space_by_slug(giulia, "navigli", to_manage=True)


def test_missing_and_forbidden_space_look_the_same(giulia, navigli):
    with pytest.raises(OfficinaError) as missing:
        access_space_by_slug(giulia, "nowhere", to_manage=True)
    with pytest.raises(OfficinaError) as forbidden:
        access_space_by_slug(giulia, "navigli", to_manage=True)
    assert str(missing.value) == str(forbidden.value)
