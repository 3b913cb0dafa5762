"""The bookings' index by resource and start also holds blocked_until: a day's availability
skips the bookings of the week before that are over before the day without reading them.
The new index is made before the old one is dropped, so reads keep one throughout."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_slot_search_watches"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                fields=["resource", "starts_at", "blocked_until"], name="bookings_by_resource_hold"
            ),
        ),
        migrations.RemoveIndex(
            model_name="booking",
            name="bookings_by_resource_start",
        ),
    ]
