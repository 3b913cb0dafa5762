"""Feature codes from a real baresip phone: ``*72202`` forwards every call of 201 to
202, ``*73`` stops it. Each time the PBX answers, says the change (espeak-ng, in the
member's language) and hangs up: the phone records what it heard, and the words are
loud where silence would be. A refused code (``*72`` with one's own number, ``*72``
alone) is answered the same way, with the reason said in the member's language."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from officina.pbx.forwarding import confirmation
from officina.pbx.models import Extension, Forwarding, Registration
from officina.pbx.tests.livepbx import HOST
from officina.pbx.tests.test_baresip import (  # noqa: F401
    command,
    configure,
    loudness,
    pbx,
    running,
    tone,
    wait_for,
)
from officina.voicemail.sound import cached_speech

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("espeak-ng") is None,
        reason="baresip and espeak-ng are needed",
    ),
]


def forwarded_always() -> str | None:
    forwarding = Forwarding.objects.filter(extension__number="201").first()
    return forwarding.always if forwarding is not None else None


def heard(home: Path) -> list[Path]:
    """The audio the phone decoded, one file per call."""
    return sorted((home / "received").glob("*-dec.wav"))


def assert_said_and_hung_up(log_path: Path, home: Path, calls: int) -> None:
    """Each of the phone's ``calls`` was hung up by the PBX (baresip tells a BYE from the
    other side so), not by the phone, after words it heard."""
    log_text = log_path.read_text(errors="replace")
    assert log_text.count("session closed: Connection reset by peer") == calls, log_text[-800:]
    for recording in heard(home):
        # The phone itself sends silence: whatever is loud here came from the PBX. The
        # sentences last 2-4 s; words cut short, or silence, fail.
        with wave.open(str(recording)) as audio:
            seconds = audio.getnframes() / audio.getframerate()
        assert seconds > 1.5, f"{recording.name}: {seconds:.2f} s"
        assert loudness(recording) > 1000, f"{recording.name} holds the words"


def test_feature_codes_from_baresip_are_confirmed_aloud(pbx, tmp_path):  # noqa: F811
    tone(tmp_path, 20, volume=0)
    base = pbx.port
    alice = tmp_path / "alice"
    configure(alice, "201", pbx, base + 10, base + 12, base + 20)
    log_path = tmp_path / "alice.log"
    with running(tmp_path, {"alice": alice}):
        assert wait_for(lambda: Registration.objects.count() == 1), "the phone registers"
        command(base + 12, "dial", f"sip:*72202@{HOST}:{pbx.port}")
        assert wait_for(lambda: forwarded_always() == "202")
        assert wait_for(
            lambda: not pbx.running.server.media.dialogs and len(heard(alice)) == 1, 30
        ), "the PBX said it and hung up"
        command(base + 12, "dial", f"sip:*73@{HOST}:{pbx.port}")
        assert wait_for(lambda: forwarded_always() == "")
        assert wait_for(lambda: not pbx.running.server.media.dialogs and len(heard(alice)) == 2, 30)
        rules = pbx.running.server.proxy.forwarding.rules
        assert not rules  # nothing forwarded any more, in memory too
    assert_said_and_hung_up(log_path, alice, calls=2)


def test_a_refused_feature_code_is_said_in_the_members_language(pbx, tmp_path, settings):  # noqa: F811
    settings.VOICEMAIL_PROMPTS_DIR = tmp_path / "prompts"  # every sentence made afresh
    tone(tmp_path, 20, volume=0)
    base = pbx.port
    alice = tmp_path / "alice"
    configure(alice, "201", pbx, base + 10, base + 12, base + 20)
    member = Extension.objects.get(number="201").member
    assert member is not None

    def speaks(language: str) -> None:
        member.language = language
        member.save(update_fields=["language"])
        pbx.running.directory.load()

    with running(tmp_path, {"alice": alice}):
        assert wait_for(lambda: Registration.objects.count() == 1), "the phone registers"
        speaks("en")
        command(base + 12, "dial", f"sip:*72201@{HOST}:{pbx.port}")  # her own number
        assert wait_for(
            lambda: not pbx.running.server.media.dialogs and len(heard(alice)) == 1, 30
        ), "the PBX said why and hung up"
        speaks("it")
        command(base + 12, "dial", f"sip:*72@{HOST}:{pbx.port}")  # no number
        assert wait_for(
            lambda: not pbx.running.server.media.dialogs and len(heard(alice)) == 2, 30
        ), "the PBX said what is missing and hung up"
    assert forwarded_always() is None, "nothing stored"
    assert_said_and_hung_up(tmp_path / "alice.log", alice, calls=2)
    # The PBX makes its other prompts at start too; these two are the reasons, each in
    # its member's language (cached_speech finds them made, and makes nothing).
    made = {path.name for path in (tmp_path / "prompts").glob("*.wav")}
    english = "Calls cannot be forwarded to the same extension."
    italian = "Componi il codice seguito dal numero a cui inoltrare le chiamate."
    said = {cached_speech(english, "en").name, cached_speech(italian, "it").name}
    assert said <= made
    assert {path.name for path in (tmp_path / "prompts").glob("*.wav")} == made


def test_the_confirmation_is_said_in_the_members_language_once(settings, tmp_path):
    settings.VOICEMAIL_PROMPTS_DIR = tmp_path
    italian = confirmation("busy", True, "202", "it")
    english = confirmation("busy", True, "202", "en")
    assert italian is not None and english is not None
    assert len(italian) > 8000 and len(english) > 8000  # over a second each
    spoken = sorted(path.name[:3] for path in tmp_path.glob("*.wav"))
    assert spoken == ["en-", "it-"]
    made = {path: path.stat().st_mtime_ns for path in tmp_path.glob("*.wav")}
    again = confirmation("busy", True, "202", "it")
    assert again is not None and (again == italian).all()
    assert {path: path.stat().st_mtime_ns for path in tmp_path.glob("*.wav")} == made, (
        "the second time is read from the cache"
    )
