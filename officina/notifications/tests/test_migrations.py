"""Notifications written as one text before messages were stored as data are turned
into messages with values, and back, by the migration."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from officina.core.tests.migrating import every_leaf, migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_notification_params")]


def test_old_texts_become_messages_read_in_each_language(giulia: Any, marco: Any) -> None:
    try:
        old = migrate_to(BEFORE)
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
        new = migrate_to(AFTER)
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
        old = migrate_to(BEFORE)
        Reverted = old.get_model("notifications", "Notification")
        assert Reverted.objects.get(pk=rows["en"].pk).text == (
            "Marco Colombo è arrivato/a a Officina Navigli."
        )
        assert Reverted.objects.get(pk=rows["it"].pk).text == (
            "Marco Colombo accepted your answer to “Come si fa?”."
        )
    finally:
        migrate_to(every_leaf())


def test_joining_project_and_invitation_texts_become_messages_and_back(giulia, marco):
    before = [("notifications", "0002_notification_params")]
    after = [("notifications", "0003_more_notifications_as_messages")]
    try:
        old = migrate_to(before)
        Notification = old.get_model("notifications", "Notification")
        written = {
            "accounts.join_request": "Marco Colombo chiede di entrare in Officina Navigli.",
            "projects.added": "Marco Colombo added you to the project Nuovo negozio",
            "matchmaking.invitation": "Marco Colombo invites you to answer “IVA?”.",
            "accounts.company_join_decision": "Welcome to Studio Rossi: Giulia Rossi "
            "accepted your request.",
            "projects.mention": "Something else entirely",
        }
        rows = {
            kind: Notification.objects.create(recipient_id=giulia.pk, kind=kind, text=text)
            for kind, text in written.items()
        }
        new = migrate_to(after)
        Migrated = new.get_model("notifications", "Notification")

        def stored(kind: str) -> tuple[str, object]:
            row = Migrated.objects.get(pk=rows[kind].pk)
            return row.text, row.params

        assert stored("accounts.join_request") == (
            "%(name)s asks to join %(space)s.",
            {"name": "Marco Colombo", "space": "Officina Navigli"},
        )
        # "you" is not taken for a company's name.
        assert stored("projects.added") == (
            "%(name)s added you to the project %(project)s",
            {"name": "Marco Colombo", "project": "Nuovo negozio"},
        )
        assert stored("matchmaking.invitation")[1] == {"name": "Marco Colombo", "title": "IVA?"}
        assert stored("accounts.company_join_decision")[1] == {
            "company": "Studio Rossi",
            "name": "Giulia Rossi",
        }
        assert stored("projects.mention") == ("Something else entirely", None)

        from officina.notifications.models import Notification as Current

        with translation.override("en"):
            assert Current.objects.get(pk=rows["accounts.join_request"].pk).shown_text == (
                "Marco Colombo asks to join Officina Navigli."
            )
        with translation.override("it"):
            assert Current.objects.get(pk=rows["projects.added"].pk).shown_text == (
                "Marco Colombo ti ha aggiunto al progetto Nuovo negozio"
            )

        # And back: one text again, in the recipient's language.
        giulia.language = "it"
        giulia.save(update_fields=["language"])
        old = migrate_to(before)
        Reverted = old.get_model("notifications", "Notification")
        assert Reverted.objects.get(pk=rows["matchmaking.invitation"].pk).text == (
            "Marco Colombo ti invita a rispondere a “IVA?”."
        )
        assert Reverted.objects.get(pk=rows["projects.mention"].pk).text == (
            "Something else entirely"
        )
    finally:
        migrate_to(every_leaf())


def test_an_endorsed_skill_stored_in_english_gets_both_names_and_back(giulia):
    before = [
        ("notifications", "0003_more_notifications_as_messages"),
        ("skills", "0002_skill_synonyms"),
    ]
    try:
        old = migrate_to(before)
        Skill = old.get_model("skills", "Skill")
        Skill.objects.create(
            slug="accounting", name_en="Accounting", name_it="Contabilità", category="data"
        )
        Notification = old.get_model("notifications", "Notification")
        message = "%(name)s endorsed your skill “%(skill)s”."
        known, gone = (
            Notification.objects.create(
                recipient_id=giulia.pk,
                kind="skills.endorsement",
                text=message,
                params={"name": "Marco Colombo", "skill": skill},
            )
            for skill in ("Accounting", "A skill deleted since")
        )
        migrate_to(every_leaf())

        from officina.notifications.models import Notification as Current

        with translation.override("it"):
            assert "“Contabilità”" in Current.objects.get(pk=known.pk).shown_text
            assert "“A skill deleted since”" in Current.objects.get(pk=gone.pk).shown_text
        with translation.override("en"):
            assert "“Accounting”" in Current.objects.get(pk=known.pk).shown_text

        reverted = migrate_to(before).get_model("notifications", "Notification")
        assert reverted.objects.get(pk=known.pk).params["skill"] == "Accounting"
        assert reverted.objects.get(pk=gone.pk).params["skill"] == "A skill deleted since"
    finally:
        migrate_to(every_leaf())
