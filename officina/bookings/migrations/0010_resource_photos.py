"""Photos of a resource (up to six, re-encoded), in the order its managers give them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0009_bookings_by_resource_hold'),
    ]

    operations = [
        migrations.CreateModel(
            name='ResourcePhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('image', models.ImageField(upload_to='resource-photos/', verbose_name='image')),
                ('caption', models.CharField(help_text='Describes the photo to people who cannot see it.', max_length=200, verbose_name='caption')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('resource', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='bookings.resource', verbose_name='resource')),
            ],
            options={
                'verbose_name': 'photo of a resource',
                'verbose_name_plural': 'photos of resources',
                'ordering': ('resource', 'position', 'id'),
            },
        ),
    ]
