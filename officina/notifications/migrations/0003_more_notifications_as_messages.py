"""Notifications of joining (spaces, companies), projects and matchmaking were still
written once, in the recipient's language, when they were sent: turn the stored ones
into messages with values, like 0002 did for the others, and back on reversal."""

import importlib

from django.db import migrations
from django.utils import translation

from officina.notifications.wording import rendered_text

# The matching and the way back are 0002's: only the list of messages is new.
_previous = importlib.import_module("officina.notifications.migrations.0002_notification_params")

# By kind, the English message and the texts it was sent as (English, and Italian as
# translated then). Where one text could match two messages, the narrower comes first.
KNOWN_MESSAGES = {
    "accounts.company_invitation": [
        (
            "%(name)s invites you to join %(company)s.",
            ["%(name)s ti invita a entrare in %(company)s."],
        ),
    ],
    "accounts.company_invitation_answer": [
        (
            "%(name)s accepted your invitation to %(company)s.",
            ["%(name)s ha accettato il tuo invito in %(company)s."],
        ),
        (
            "%(name)s declined your invitation to %(company)s.",
            ["%(name)s ha rifiutato il tuo invito in %(company)s."],
        ),
    ],
    "accounts.company_join_request": [
        ("%(name)s asks to join %(company)s.", ["%(name)s chiede di entrare in %(company)s."]),
    ],
    "accounts.company_join_decision": [
        (
            "Welcome to %(company)s: %(name)s accepted your request.",
            ["Benvenuto in %(company)s: %(name)s ha accettato la tua richiesta."],
        ),
        (
            "%(name)s did not accept your request to join %(company)s.",
            ["%(name)s non ha accettato la tua richiesta di entrare in %(company)s."],
        ),
    ],
    "accounts.join_request": [
        ("%(name)s asks to join %(space)s.", ["%(name)s chiede di entrare in %(space)s."]),
    ],
    "accounts.join_decision": [
        (
            "Welcome to %(space)s: %(name)s accepted your request.",
            ["Benvenuto in %(space)s: %(name)s ha accettato la tua richiesta."],
        ),
        (
            "%(name)s did not accept your request to join %(space)s.",
            ["%(name)s non ha accettato la tua richiesta di entrare in %(space)s."],
        ),
    ],
    "projects.mention": [
        ("%(name)s mentioned you in %(where)s", ["%(name)s ti ha menzionato in %(where)s"]),
    ],
    "projects.added": [
        (
            "%(name)s added you to the project %(project)s",
            ["%(name)s ti ha aggiunto al progetto %(project)s"],
        ),
        (
            "%(name)s added %(company)s to the project %(project)s",
            ["%(name)s ha aggiunto %(company)s al progetto %(project)s"],
        ),
    ],
    "projects.assigned": [
        (
            "%(name)s assigned you the task %(task)s (%(project)s)",
            ["%(name)s ti ha assegnato l'attività %(task)s (%(project)s)"],
        ),
    ],
    "matchmaking.invitation": [
        (
            "%(name)s invites you to answer “%(title)s”.",
            ["%(name)s ti invita a rispondere a “%(title)s”."],
        ),
    ],
}

PATTERNS = {
    kind: [
        (message, _previous._pattern(written))
        for message, translations in messages
        for written in [message, *translations]
    ]
    for kind, messages in KNOWN_MESSAGES.items()
}


def to_messages(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    changed = []
    rows = Notification.objects.filter(params__isnull=True, kind__in=list(PATTERNS))
    for notification in rows.only("pk", "kind", "text").iterator(chunk_size=2000):
        for message, pattern in PATTERNS[notification.kind]:
            match = pattern.match(notification.text)
            if match:
                notification.text, notification.params = message, match.groupdict()
                changed.append(notification)
                break
    Notification.objects.bulk_update(changed, ["text", "params"], batch_size=500)


def to_texts(apps, schema_editor):
    """Back to one text each in the recipient's language, for these kinds only."""
    Notification = apps.get_model("notifications", "Notification")
    changed = []
    rows = Notification.objects.filter(params__isnull=False, kind__in=list(PATTERNS))
    for notification in rows.select_related("recipient").iterator(chunk_size=2000):
        with translation.override(notification.recipient.language or None):
            notification.text = rendered_text(notification.text, notification.params)[:500]
        notification.params = None
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["text", "params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notification_params"),
    ]

    operations = [
        migrations.RunPython(to_messages, to_texts),
    ]
