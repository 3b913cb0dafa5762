"""Each resource gets the secret of its calendar address, a different one for each
resource already there (a single default would break the uniqueness)."""

from django.db import migrations, models

import officina.core.calendar_feeds


def give_each_resource_a_secret(apps, schema_editor):
    Resource = apps.get_model("bookings", "Resource")
    for resource in Resource.objects.filter(feed_token__isnull=True).only("pk"):
        resource.feed_token = officina.core.calendar_feeds.new_secret()
        resource.save(update_fields=["feed_token"])


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0010_resource_photos"),
    ]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="feed_token",
            field=models.CharField(
                editable=False, max_length=64, null=True, verbose_name="calendar address secret"
            ),
        ),
        migrations.RunPython(give_each_resource_a_secret, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="resource",
            name="feed_token",
            field=models.CharField(
                default=officina.core.calendar_feeds.new_secret,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="calendar address secret",
            ),
        ),
    ]
