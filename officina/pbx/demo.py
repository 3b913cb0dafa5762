"""Demo data: an extension for every demo member, some devices and a week of calls."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from officina.accounts.selectors import community_members
from officina.core.demo import DemoContext
from officina.pbx.actions import CallRow, do_set_sip_passwords, do_write_call_records
from officina.pbx.models import CallRecord
from officina.pbx.selectors import member_extensions

# The demo's first member can register a softphone with this password (see docs/pbx.md).
DEMO_SIP_PASSWORD = "officina-demo"  # noqa: S105 - published demo credential
DEMO_CALLS = 400
DEMO_CALL_ID_PREFIX = "demo-"


def populate(context: DemoContext) -> None:
    # Each member got their extension on signing up.
    extensions = member_extensions(community_members())
    if (
        len(extensions) < 2
        or CallRecord.objects.filter(call_id__startswith=DEMO_CALL_ID_PREFIX).exists()
    ):
        return  # no one to call, or the demo's week of calls is there already
    # A random password per member would be forgotten anyway: every demo extension gets
    # the published demo password, as an operator would set it for a trial.
    do_set_sip_passwords(extensions, DEMO_SIP_PASSWORD)
    realm = settings.SIP_DOMAIN
    now = timezone.now()
    rng = context.random
    outcomes = [
        (CallRecord.Outcome.ANSWERED, 200, 60),
        (CallRecord.Outcome.NO_ANSWER, 480, 12),
        (CallRecord.Outcome.BUSY, 486, 8),
        (CallRecord.Outcome.CANCELLED, 487, 10),
        (CallRecord.Outcome.UNREGISTERED, 480, 10),
    ]
    weights = [weight for _outcome, _status, weight in outcomes]
    devices = ["Yealink T46U", "Linphone Android", "Officina softphone (Chromium)", "Zoiper iOS"]
    records = []
    for index in range(DEMO_CALLS):
        caller, callee = rng.sample(extensions, 2)
        outcome, status, _weight = rng.choices(outcomes, weights=weights)[0]
        started = now - timedelta(minutes=rng.randint(5, 7 * 24 * 60))
        rung = [] if outcome == CallRecord.Outcome.UNREGISTERED else rng.sample(devices, 2)
        answered = ended = None
        if outcome == CallRecord.Outcome.ANSWERED:
            answered = started + timedelta(seconds=rng.randint(2, 20))
            ended = answered + timedelta(seconds=rng.randint(10, 1800))
        else:
            ended = started + timedelta(seconds=rng.randint(1, 30))
        records.append(
            CallRow(
                call_id=f"{DEMO_CALL_ID_PREFIX}{index}@{realm}",
                caller_id=caller.pk,
                caller_number=caller.number,
                callee_id=callee.pk,
                callee_number=callee.number,
                devices_rung=rung,
                answered_by=rung[0] if answered else "",
                started_at=started,
                answered_at=answered,
                ended_at=ended,
                outcome=outcome,
                final_status=status,
            )
        )
    # Written as the proxy writes the calls it routed.
    do_write_call_records(records, [])
