"""Demo data: an extension for every demo member, some devices and a week of calls."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from officina.accounts.models import Member
from officina.core.demo import DemoContext
from officina.pbx.actions import FIRST_MEMBER_EXTENSION
from officina.pbx.credentials import digest_ha1_pair
from officina.pbx.models import CallRecord, Extension, SipCredential

# The demo's first member can register a softphone with this password (see docs/pbx.md).
DEMO_SIP_PASSWORD = "officina-demo"  # noqa: S105 - published demo credential
DEMO_CALLS = 400


def populate(context: DemoContext) -> None:
    members = list(Member.objects.filter(extension__isnull=True).order_by("id"))
    if not members:
        return
    taken = {int(n) for n in Extension.objects.values_list("number", flat=True) if n.isdigit()}
    next_number = max([FIRST_MEMBER_EXTENSION - 1, *taken]) + 1
    extensions = []
    for member in members:
        extensions.append(
            Extension(number=str(next_number), kind=Extension.Kind.MEMBER, member=member)
        )
        next_number += 1
    extensions = Extension.objects.bulk_create(extensions)
    realm = settings.SIP_DOMAIN
    now = timezone.now()
    # Hashing is cheap, but a random password per member would be forgotten anyway: every
    # demo extension shares the published demo password.
    SipCredential.objects.bulk_create(
        [
            SipCredential(
                extension=extension,
                username=extension.number,
                realm=realm,
                ha1_md5=md5,
                ha1_sha256=sha256,
                changed_at=now,
            )
            for extension in extensions
            for md5, sha256 in [digest_ha1_pair(extension.number, realm, DEMO_SIP_PASSWORD)]
        ]
    )
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
            CallRecord(
                call_id=f"demo-{index}@{realm}",
                caller=caller,
                caller_number=caller.number,
                callee=callee,
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
    CallRecord.objects.bulk_create(records)
