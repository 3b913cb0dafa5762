"""A coworking's phones behind one public address, one of them guessing a password: the
others keep registering and calling throughout."""

import pytest
from asgiref.sync import sync_to_async

from officina.pbx.directory import Directory
from officina.pbx.tests.harness import Pbx, Phone
from officina.pbx.tests.test_server import make_extension, place_call, requests_of, statuses

# The look-ups read the extensions from another thread.
pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = "127.0.0.1"  # the office's one public address
PHONES = 40


async def test_forty_phones_behind_one_address_with_one_guessing():
    numbers = [
        await sync_to_async(make_extension)(f"desk{index}@example.it", f"secret-{index}")
        for index in range(PHONES)
    ]
    directory = Directory(node="test")
    await sync_to_async(directory.load)()
    pbx = Pbx(directory)
    cracker = Phone(pbx, numbers[0], "guess", OFFICE, 6000)
    honest = [
        Phone(pbx, number, f"secret-{index}", OFFICE, 6000 + index)
        for index, number in enumerate(numbers)
    ][1:]

    guesses: list[int] = []
    calls = 0
    for round_number in range(30):
        for _ in range(10):
            guesses.append((await cracker.register_checked_in_database()).status)
        for phone in honest:
            assert phone.register().status == 200, (round_number, phone.user)
        # Every round, a few of the honest phones call their neighbour.
        for index in range(round_number % 3, len(honest), 3):
            caller, callee = honest[index], honest[(index + 1) % len(honest)]
            place_call(caller, callee.user)
            assert 100 in statuses(caller.inbox())
            (invite,) = requests_of(callee.inbox(), "INVITE")
            callee.answer(invite, 486, to_tag="busy")
            assert 486 in statuses(caller.inbox())
            calls += 1
        pbx.advance(1.0)

    # The guesser was answered every time (no silence for a shared address), checked ten
    # times and then refused without its guesses being looked at.
    assert guesses == [403] * len(guesses)
    assert pbx.server.gatekeeper.failures < 20
    assert pbx.server.gatekeeper.refusals > 250
    assert calls == 30 * 13
