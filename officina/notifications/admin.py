from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from officina.notifications.models import DigestPreference, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("recipient", "kind", "shown_text", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("text", "recipient__email", "recipient__last_name")
    raw_id_fields = ("recipient", "actor")
    date_hierarchy = "created_at"

    @admin.display(description=_("text"))
    def shown_text(self, notification: Notification) -> str:
        return notification.shown_text


@admin.register(DigestPreference)
class DigestPreferenceAdmin(admin.ModelAdmin[DigestPreference]):
    list_display = ("member", "frequency", "last_sent_at")
    list_filter = ("frequency",)
    search_fields = ("member__email", "member__last_name")
    raw_id_fields = ("member",)
