"""Digest failures keyed on what is attacked: a pair, a user, a shared address."""

from officina.pbx.ratelimit import PAIR_BURST, SOURCE_BURST, USER_BURST, DigestLimits


def test_one_user_guessed_from_one_address_locks_only_that_pair():
    limits = DigestLimits()
    for _ in range(int(PAIR_BURST)):
        assert not limits.refused("192.0.2.1", "201", 0.0)
        limits.failed("192.0.2.1", "201", 0.0)
    assert limits.refused("192.0.2.1", "201", 0.0)
    assert not limits.refused("192.0.2.1", "202", 0.0)
    assert not limits.refused("192.0.2.2", "201", 0.0)
    assert not limits.refused("192.0.2.1", "201", 1 / 0.2)  # a token back after 5 s


def test_one_user_guessed_from_many_addresses_is_locked_everywhere():
    limits = DigestLimits()
    for index in range(int(USER_BURST)):
        limits.failed(f"198.51.100.{index}", "201", 0.0)
    assert limits.refused("203.0.113.9", "201", 0.0)
    assert not limits.refused("203.0.113.9", "202", 0.0)


def test_an_address_past_its_ceiling_may_still_try_users_it_never_failed_for():
    limits = DigestLimits()
    for index in range(int(SOURCE_BURST)):
        limits.failed("192.0.2.1", str(1000 + index), 0.0)
    assert limits.refused("192.0.2.1", "1000", 0.0)  # failed once: no second guess
    assert not limits.refused("192.0.2.1", "201", 0.0)  # a neighbour with its own password
    limits.failed("192.0.2.1", "201", 0.0)
    assert limits.refused("192.0.2.1", "201", 0.0)
