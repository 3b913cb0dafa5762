"""Endorsement notifications stored the skill's English name as a value, so an Italian
reader read "Accounting" in an Italian sentence: store both of the skill's names, shown
in the reader's language (``InEachLanguage``), and the English name back on reversal."""

from django.db import migrations

from officina.notifications.wording import BY_LANGUAGE_KEY

KIND = "skills.endorsement"


def names_in_each_language(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Skill = apps.get_model("skills", "Skill")
    names = {
        name_en: {"en": name_en, "it": name_it}
        for name_en, name_it in Skill.objects.values_list("name_en", "name_it")
    }
    changed = []
    for notification in Notification.objects.filter(kind=KIND, params__isnull=False).iterator():
        skill = (notification.params or {}).get("skill")
        # A skill renamed or deleted since keeps the name it had: better than none.
        if isinstance(skill, str) and skill in names:
            notification.params = {**notification.params, "skill": {BY_LANGUAGE_KEY: names[skill]}}
            changed.append(notification)
    Notification.objects.bulk_update(changed, ["params"], batch_size=500)


def english_names(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    changed = []
    for notification in Notification.objects.filter(kind=KIND, params__isnull=False).iterator():
        skill = (notification.params or {}).get("skill")
        if isinstance(skill, dict) and BY_LANGUAGE_KEY in skill:
            english = skill[BY_LANGUAGE_KEY].get("en", "")
            notification.params = {**notification.params, "skill": english}
            changed.append(notification)
    Notification.objects.bulk_update(changed, ["params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_more_notifications_as_messages"),
        ("skills", "0002_skill_synonyms"),
    ]

    operations = [migrations.RunPython(names_in_each_language, english_names)]
