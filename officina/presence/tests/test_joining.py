"""Spaces are joined, not entered: open, on request (a manager decides), by invitation."""

import pytest
from django.utils import translation

from officina.accounts.actions import check_decide_join_request, check_join_space
from officina.accounts.kinds import JoinPolicy
from officina.accounts.models import Member, Space, SpaceJoinRequest, SpaceMembership
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _is_member(member: Member, space: Space) -> bool:
    return SpaceMembership.objects.filter(member=member, space=space).exists()


def test_an_open_space_is_joined_at_once(outsider, digital):
    assert digital.join_policy == JoinPolicy.OPEN
    assert check_join_space(outsider, digital) is True
    assert _is_member(outsider, digital)


def test_a_request_waits_and_tells_the_managers(outsider, luca, navigli):
    assert check_join_space(outsider, navigli, message="desk from March") is False
    assert not _is_member(outsider, navigli)
    [notice] = Notification.objects.filter(kind="accounts.join_request")
    assert notice.recipient == luca and "Ugo Esposito asks to join" in notice.shown_text
    assert notice.url == "/spaces/navigli/requests/"
    with pytest.raises(OfficinaError) as again:
        check_join_space(outsider, navigli)
    assert again.value.code == ErrorCode.CONFLICT
    assert SpaceJoinRequest.objects.count() == 1


def test_invitation_only_refuses_and_managers_still_add(outsider, luca, navigli):
    from officina.accounts.actions import check_set_space_role

    navigli.join_policy = JoinPolicy.INVITATION
    navigli.save()
    with pytest.raises(OfficinaError) as refused:
        check_join_space(outsider, navigli)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert not SpaceJoinRequest.objects.exists()
    check_set_space_role(luca, navigli, outsider, "member")
    assert _is_member(outsider, navigli)


def test_a_too_long_message_changes_nothing(outsider, navigli):
    with pytest.raises(OfficinaError) as error:
        check_join_space(outsider, navigli, message="x" * 301)
    assert error.value.code == ErrorCode.INVALID_INPUT
    assert not SpaceJoinRequest.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize("approve", [True, False])
def test_a_manager_decides_and_the_requester_is_told(outsider, luca, navigli, approve):
    check_join_space(outsider, navigli)
    request = SpaceJoinRequest.objects.get()
    check_decide_join_request(luca, request, approve=approve)
    assert _is_member(outsider, navigli) is approve
    assert not SpaceJoinRequest.objects.exists()
    [told] = Notification.objects.filter(recipient=outsider)
    assert told.actor == luca
    assert ("accepted your request" in told.shown_text) is approve
    with pytest.raises(OfficinaError):  # decided once: a second manager finds nothing
        check_decide_join_request(luca, request, approve=True)


def test_only_managers_decide(outsider, giulia, navigli):
    check_join_space(outsider, navigli)
    with pytest.raises(OfficinaError) as error:
        check_decide_join_request(giulia, SpaceJoinRequest.objects.get(), approve=True)
    assert error.value.code == ErrorCode.NOT_FOUND
    assert not _is_member(outsider, navigli)


def test_the_request_is_told_in_the_requesters_language(outsider, luca, navigli):
    check_join_space(outsider, navigli)
    check_decide_join_request(luca, SpaceJoinRequest.objects.get(), approve=False)
    with translation.override("it"):  # the reader's language, whatever it was when told
        assert "non ha accettato" in Notification.objects.get(recipient=outsider).shown_text


class TestPages:
    def test_ask_then_the_manager_approves_on_the_queue(self, client_for, outsider, luca, navigli):
        newcomer = client_for(outsider)
        assert "Ask to join" in newcomer.get("/spaces/navigli/").content.decode()
        newcomer.post("/spaces/navigli/join/", {"message": "desk from March"})
        assert "You asked to join" in newcomer.get("/spaces/navigli/").content.decode()
        manager = client_for(luca)
        queue = manager.get("/spaces/navigli/requests/").content.decode()
        assert "Ugo Esposito" in queue and "desk from March" in queue
        assert "1 request to join" in manager.get("/spaces/navigli/manage/").content.decode()
        request = SpaceJoinRequest.objects.get()
        response = manager.post(
            f"/spaces/navigli/requests/{request.pk}/", {"decision": "approve"}, follow=True
        )
        assert "Ugo Esposito is now a member." in response.content.decode()
        assert _is_member(outsider, navigli)
        assert "Check in" in newcomer.get("/spaces/navigli/").content.decode()

    def test_the_queue_is_for_managers_only(self, client_for, outsider, giulia, navigli):
        check_join_space(outsider, navigli)
        request = SpaceJoinRequest.objects.get()
        member = client_for(giulia)
        assert member.get("/spaces/navigli/requests/").status_code == 404
        denied = member.post(f"/spaces/navigli/requests/{request.pk}/", {"decision": "approve"})
        assert denied.status_code == 404 and not _is_member(outsider, navigli)

    def test_a_bad_decision_changes_nothing(self, client_for, outsider, luca, navigli):
        check_join_space(outsider, navigli)
        request = SpaceJoinRequest.objects.get()
        bad = client_for(luca).post(f"/spaces/navigli/requests/{request.pk}/", {"decision": "x"})
        assert bad.status_code == 400
        assert SpaceJoinRequest.objects.exists() and not _is_member(outsider, navigli)

    def test_withdraw_a_request(self, client_for, outsider, navigli):
        client = client_for(outsider)
        client.post("/spaces/navigli/join/")
        client.post("/spaces/navigli/join/cancel/")
        assert not SpaceJoinRequest.objects.exists()
        assert "Ask to join" in client.get("/spaces/navigli/").content.decode()

    def test_managers_change_the_policy(self, client_for, luca, navigli):
        data = {"name": navigli.name, "time_zone": "Europe/Rome", "join_policy": "invitation"}
        client_for(luca).post("/spaces/navigli/manage/", {"form": "details", **data})
        navigli.refresh_from_db()
        assert navigli.join_policy == JoinPolicy.INVITATION
        bad = client_for(luca).post(
            "/spaces/navigli/manage/", {"form": "details", **data, "join_policy": "anyone"}
        )
        assert bad.status_code == 400
        navigli.refresh_from_db()
        assert navigli.join_policy == JoinPolicy.INVITATION


def test_a_manager_adding_someone_answers_their_request(outsider, luca, navigli):
    from officina.accounts.actions import check_set_space_role

    check_join_space(outsider, navigli)
    check_set_space_role(luca, navigli, outsider, "member")
    assert _is_member(outsider, navigli) and not SpaceJoinRequest.objects.exists()
