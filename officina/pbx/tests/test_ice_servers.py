"""The ICE servers the browser phone is given, and the settings checked at start-up."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from officina.pbx.actions import do_provision_extension
from officina.pbx.ice_servers import configuration_errors, ice_configuration, turn_credential

pytestmark = pytest.mark.django_db


def test_a_turn_credential_is_the_rest_api_shape() -> None:
    username, credential = turn_credential("s3cret", "201", 1_800_000_000)
    assert username == "1800000000:201"
    expected = hmac.new(b"s3cret", b"1800000000:201", hashlib.sha1).digest()
    assert base64.b64decode(credential) == expected


def test_nothing_configured_means_host_candidates_only(settings: Any) -> None:
    settings.WEBRTC_STUN_URLS = []
    settings.WEBRTC_TURN_URLS = []
    assert ice_configuration("201", 0).as_json() == {
        "ice_servers": [],
        "ice_transport_policy": "all",
    }


def test_stun_and_turn_with_a_credential_lasting_the_configured_time(settings: Any) -> None:
    settings.WEBRTC_STUN_URLS = ["stun:turn.example.org:3478"]
    settings.WEBRTC_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.WEBRTC_TURN_SECRET = "s3cret"
    settings.WEBRTC_TURN_CREDENTIAL_SECONDS = 7200
    settings.WEBRTC_ICE_TRANSPORT_POLICY = "relay"
    configuration = ice_configuration("305", 1000.7)
    stun, turn = configuration.servers
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    assert turn["urls"] == ["turn:turn.example.org:3478?transport=udp"]
    assert turn["username"] == "8200:305"
    assert (turn["username"], turn["credential"]) == turn_credential("s3cret", "305", 8200)
    assert configuration.policy == "relay"


def test_the_credential_endpoint_hands_them_to_the_signed_in_member(
    settings: Any, client_for: Any, giulia: Any
) -> None:
    settings.WEBRTC_TURN_URLS = ["turns:turn.example.org:5349"]
    settings.WEBRTC_TURN_SECRET = "s3cret"
    extension = do_provision_extension(giulia)
    response = client_for(giulia).post("/phone/browser/credential/")
    assert response.status_code == 200
    body = response.json()
    (turn,) = body["ice_servers"]
    assert turn["urls"] == ["turns:turn.example.org:5349"]
    assert turn["username"].endswith(f":{extension.number}")
    assert body["ice_transport_policy"] == "all"


@pytest.mark.parametrize(
    ("stun", "turn", "secret", "policy", "seconds", "complaint"),
    [
        (["http://stun.example.org"], [], "", "all", 43200, "is not a stun: or stuns: URL"),
        ([], ["stun:turn.example.org"], "x", "all", 43200, "is not a turn: or turns: URL"),
        ([], ["turn:turn.example.org"], "", "all", 43200, "WEBRTC_TURN_SECRET"),
        ([], ["turn:turn.example.org"], "x", "relayed", 43200, "must be 'all' or 'relay'"),
        ([], [], "", "relay", 43200, "needs a TURN server"),
        ([], ["turn:turn.example.org"], "x", "all", 600, "below an hour"),
    ],
)
def test_settings_that_cannot_work_are_named(
    stun: list[str], turn: list[str], secret: str, policy: str, seconds: int, complaint: str
) -> None:
    errors = configuration_errors(stun, turn, secret, policy, seconds)
    assert len(errors) == 1 and complaint in errors[0]


def test_good_settings_have_no_complaint() -> None:
    assert not configuration_errors(
        ["stun:turn.example.org:3478"], ["turn:turn.example.org:3478"], "x", "relay", 43200
    )


def test_the_system_check_stops_a_server_with_bad_settings(settings: Any) -> None:
    settings.WEBRTC_TURN_URLS = ["turn:turn.example.org"]
    settings.WEBRTC_TURN_SECRET = ""
    with pytest.raises(SystemCheckError, match=r"pbx\.E010"):
        call_command("check")
