"""Notifications written as one text before messages were stored as data are turned
into messages with values, and back, by the migration."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_notification_params")]


def _migrate(targets: list[tuple[str, str]]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_texts_become_messages_read_in_each_language(giulia: Any, marco: Any) -> None:
    try:
        old = _migrate(BEFORE)
        Notification = old.get_model("notifications", "Notification")
        rows = {
            "it": Notification.objects.create(
                recipient_id=giulia.pk,
                kind="knowledge.accepted",
                text="Marco Colombo ha accettato la tua risposta a “Come si fa?”.",
            ),
            "en": Notification.objects.create(
                recipient_id=giulia.pk,
                kind="presence.arrival",
                text="Marco Colombo has arrived at Officina Navigli.",
            ),
            "free": Notification.objects.create(
                recipient_id=giulia.pk, kind="social.follow", text="Something else entirely"
            ),
        }
        new = _migrate(AFTER)
        Migrated = new.get_model("notifications", "Notification")
        accepted = Migrated.objects.get(pk=rows["it"].pk)
        assert accepted.text == "%(name)s accepted your answer to “%(title)s”."
        assert accepted.params == {"name": "Marco Colombo", "title": "Come si fa?"}
        arrival = Migrated.objects.get(pk=rows["en"].pk)
        assert arrival.params == {"name": "Marco Colombo", "space": "Officina Navigli"}
        free = Migrated.objects.get(pk=rows["free"].pk)
        assert (free.text, free.params) == ("Something else entirely", None)

        from officina.notifications.models import Notification as Current

        with translation.override("en"):
            assert Current.objects.get(pk=rows["it"].pk).shown_text == (
                "Marco Colombo accepted your answer to “Come si fa?”."
            )
        with translation.override("it"):
            assert Current.objects.get(pk=rows["en"].pk).shown_text == (
                "Marco Colombo è arrivato/a a Officina Navigli."
            )

        # And back: one text again, in the recipient's language.
        Migrated.objects.filter(pk=rows["en"].pk).update(recipient_id=marco.pk)
        marco.language = "it"
        marco.save(update_fields=["language"])
        old = _migrate(BEFORE)
        Reverted = old.get_model("notifications", "Notification")
        assert Reverted.objects.get(pk=rows["en"].pk).text == (
            "Marco Colombo è arrivato/a a Officina Navigli."
        )
        assert Reverted.objects.get(pk=rows["it"].pk).text == (
            "Marco Colombo accepted your answer to “Come si fa?”."
        )
    finally:
        _migrate(AFTER)
