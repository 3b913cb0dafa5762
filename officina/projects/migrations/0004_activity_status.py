"""A task's new status in the activity stream was written into the line's subject in
the language of whoever moved it ("Forno → in corso"): keep the status as its value,
shown in the reader's language, and the subject as the task's title alone."""

from django.db import migrations, models

# The labels the subjects were written with, in English and as Italian had them.
WRITTEN_AS = {
    "to do": "todo",
    "da fare": "todo",
    "in progress": "doing",
    "in corso": "doing",
    "done": "done",
    "fatto": "done",
}
ENGLISH = {"todo": "to do", "doing": "in progress", "done": "done"}
ARROW = " → "


def status_apart(apps, schema_editor):
    Activity = apps.get_model("projects", "Activity")
    changed = []
    for line in Activity.objects.filter(kind="task_status", status="").iterator():
        title, arrow, label = line.subject.rpartition(ARROW)
        if arrow and label in WRITTEN_AS:
            line.subject, line.status = title, WRITTEN_AS[label]
            changed.append(line)
    Activity.objects.bulk_update(changed, ["subject", "status"], batch_size=500)


def status_in_subject(apps, schema_editor):
    Activity = apps.get_model("projects", "Activity")
    changed = []
    for line in Activity.objects.filter(kind="task_status").exclude(status="").iterator():
        line.subject = f"{line.subject}{ARROW}{ENGLISH[line.status]}"[:200]
        changed.append(line)
    Activity.objects.bulk_update(changed, ["subject"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_last_activity"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="status",
            field=models.CharField(
                blank=True,
                choices=[("todo", "to do"), ("doing", "in progress"), ("done", "done")],
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(status_apart, status_in_subject),
    ]
