"""Demo notifications: what members would have been told about the demo activity
(follows, comments, endorsements), most of it already read; digest preferences."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from officina.accounts.models import Member
from officina.core.demo import DemoContext
from officina.notifications.models import DigestFrequency, DigestPreference, Notification

TEMPLATES_IT = [
    ("social.follow", "{name} ha iniziato a seguirti.", "/members/{actor}/"),
    ("social.comment", "{name} ha commentato il tuo post.", "/feed/"),
    ("skills.endorsement", "{name} ha raccomandato una tua competenza.", "/members/{me}/"),
    ("social.message", "Nuovo messaggio da {name}.", "/messages/"),
]
TEMPLATES_EN = [
    ("social.follow", "{name} started following you.", "/members/{actor}/"),
    ("social.comment", "{name} commented on your post.", "/feed/"),
    ("skills.endorsement", "{name} endorsed one of your skills.", "/members/{me}/"),
    ("social.message", "New message from {name}.", "/messages/"),
]


def populate(context: DemoContext) -> None:
    rng = context.random
    members = list(Member.objects.filter(is_superuser=False, is_active=True).order_by("pk"))
    if len(members) < 2:
        return
    now = timezone.now()
    rows: list[Notification] = []
    stamps = []
    for position, member in enumerate(members):
        templates = TEMPLATES_EN if member.language == "en" else TEMPLATES_IT
        # The demo login (first member) gets a fuller list with a few unread ones.
        count = 12 if position == 0 else rng.randint(0, 5)
        for number in range(count):
            actor = rng.choice(members)
            if actor.pk == member.pk:
                continue
            kind, text, url = rng.choice(templates)
            age = timedelta(minutes=rng.randint(10, 60 * 24 * 20))
            rows.append(
                Notification(
                    recipient=member,
                    actor=actor,
                    kind=kind,
                    text=text.format(name=actor.display_name),
                    url=url.format(actor=actor.pk, me=member.pk),
                    read_at=None if number < (4 if position == 0 else 1) else now - age / 2,
                )
            )
            stamps.append(now - age)
    Notification.objects.bulk_create(rows)
    for row, stamp in zip(rows, stamps, strict=True):
        row.created_at = stamp
    Notification.objects.bulk_update(rows, ["created_at"], batch_size=500)
    DigestPreference.objects.bulk_create(
        [
            DigestPreference(
                member=member,
                frequency=rng.choice(
                    [DigestFrequency.DAILY, DigestFrequency.WEEKLY, DigestFrequency.NEVER]
                ),
            )
            for member in rng.sample(members, len(members) // 3)
        ]
    )
