"""Every visibility rule of access.py, including that missing and forbidden look the same."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from officina.accounts.models import Member
from officina.core.errors import ErrorCode, OfficinaError
from officina.social.access import (
    access_conversation_by_id,
    access_member_for_message_by_id,
    access_post_by_id,
    access_profile_member_by_id,
    visible_posts,
)
from officina.social.actions import check_start_conversation, do_create_post
from officina.social.kinds import Visibility

pytestmark = pytest.mark.django_db


def _error_of(call: Callable[..., object], *args: object) -> OfficinaError:
    with pytest.raises(OfficinaError) as caught:
        call(*args)
    return caught.value


def _assert_looks_missing(call: Callable[..., object], member: Member, object_id: int) -> None:
    forbidden = _error_of(call, member, object_id)
    missing = _error_of(call, member, 987_654)
    assert forbidden.code == missing.code == ErrorCode.NOT_FOUND
    assert str(forbidden) == str(missing)


def test_community_post_is_visible_to_every_member(giulia, sara, outsider):
    post = do_create_post(giulia, "Ciao a tutti")
    for member in (giulia, sara, outsider):
        assert access_post_by_id(member, post.pk) == post


def test_space_post_only_for_space_members_and_author(giulia, marco, luca, sara, navigli):
    post = do_create_post(giulia, "Solo Navigli", visibility=Visibility.SPACE, space=navigli)
    for member in (giulia, marco, luca):
        assert access_post_by_id(member, post.pk) == post
    _assert_looks_missing(access_post_by_id, sara, post.pk)


def test_company_post_only_for_company_members(giulia, marco, luca, sara, studio_rossi):
    post = do_create_post(
        giulia, "Riunione interna", visibility=Visibility.COMPANY, company=studio_rossi
    )
    assert access_post_by_id(marco, post.pk) == post
    _assert_looks_missing(access_post_by_id, luca, post.pk)
    _assert_looks_missing(access_post_by_id, sara, post.pk)


def test_author_who_left_the_space_still_sees_their_post(giulia, sara, san_salvario):
    post = do_create_post(sara, "Da Torino", visibility=Visibility.SPACE, space=san_salvario)
    san_salvario.memberships.filter(member=sara).delete()
    assert access_post_by_id(sara, post.pk) == post
    _assert_looks_missing(access_post_by_id, giulia, post.pk)


def test_company_news_is_community_visible(sara, outsider, panificio):
    post = do_create_post(sara, "Pane nuovo", company=panificio)
    assert access_post_by_id(outsider, post.pk) == post


def test_posts_of_deactivated_members_disappear(giulia, marco):
    post = do_create_post(marco, "Arrivederci")
    marco.is_active = False
    marco.save()
    _assert_looks_missing(access_post_by_id, giulia, post.pk)


def test_inactive_or_anonymous_viewer_sees_no_posts(giulia, marco):
    from django.contrib.auth.models import AnonymousUser

    do_create_post(giulia, "Ciao")
    assert visible_posts(AnonymousUser()).count() == 0  # type: ignore[arg-type]
    marco.is_active = False
    assert visible_posts(marco).count() == 0


def test_conversation_only_for_participants(giulia, marco, sara):
    conversation = check_start_conversation(giulia, [marco])
    assert access_conversation_by_id(giulia, conversation.pk) == conversation
    assert access_conversation_by_id(marco, conversation.pk) == conversation
    _assert_looks_missing(access_conversation_by_id, sara, conversation.pk)


def test_profiles_of_active_members_only(giulia, marco):
    assert access_profile_member_by_id(giulia, marco.pk) == marco
    marco.is_active = False
    marco.save()
    _assert_looks_missing(access_profile_member_by_id, giulia, marco.pk)


def test_cannot_message_yourself_or_missing_members(giulia):
    error = _error_of(access_member_for_message_by_id, giulia, giulia.pk)
    assert error.code == ErrorCode.INVALID_INPUT
    assert _error_of(access_member_for_message_by_id, giulia, 123_456).code == ErrorCode.NOT_FOUND
