from officina.sip import (
    PROXY_BRANCH_PREFIX,
    STATELESS_BRANCH_PREFIX,
    Via,
    is_proxy_branch,
    new_branch,
    numbered_tags,
    proxy_branches,
)


def test_proxy_branches_are_rfc3261_branches_unique_within_and_across_makers():
    first, second = proxy_branches(), proxy_branches()
    made = [first.next() for _ in range(300)] + [second.next() for _ in range(300)]
    assert len(set(made)) == 600
    for branch in made:
        assert branch.startswith(PROXY_BRANCH_PREFIX)
        assert Via("UDP", "192.0.2.1", 5060, {"branch": branch}).has_rfc3261_branch


def test_numbered_tags_are_unique_and_carry_32_random_bits():
    first, second = numbered_tags(), numbered_tags()
    made = {first.next() for _ in range(300)} | {second.next() for _ in range(300)}
    assert len(made) == 600
    assert all(len(tag) > 8 for tag in made)


def test_a_proxy_knows_its_own_branches_and_only_them():
    assert is_proxy_branch(proxy_branches().next())
    assert is_proxy_branch(STATELESS_BRANCH_PREFIX + "0123456789abcdef")
    assert not is_proxy_branch(new_branch())
    assert not is_proxy_branch("z9hG4bK-pb")
    assert not is_proxy_branch(None)
