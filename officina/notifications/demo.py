"""Demo notifications: what members were told about the demo activity (follows, comments,
reactions, endorsements, messages) is recorded by those actions; here members catch up on
most of it, and a third of them choose how often to get the e-mail digest."""

from __future__ import annotations

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.selectors import community_members
from officina.core.demo import DemoContext
from officina.notifications.actions import do_mark_all_read, do_mark_read, do_set_digest_frequency
from officina.notifications.kinds import DigestFrequency
from officina.notifications.selectors import notifications_for

# The demo login finds this many of her newest notifications still unread.
DEMO_LOGIN_UNREAD = 4


def populate(context: DemoContext) -> None:
    rng = context.random
    members = list(community_members())
    for member in members:
        if member.email == DEMO_EMAIL:
            for notification in notifications_for(member)[DEMO_LOGIN_UNREAD:]:
                do_mark_read(notification)
        elif rng.random() < 0.7:
            do_mark_all_read(member)
    for member in rng.sample(members, len(members) // 3):
        do_set_digest_frequency(
            member,
            rng.choice([DigestFrequency.DAILY, DigestFrequency.WEEKLY, DigestFrequency.NEVER]),
        )
