from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresenceConfig(AppConfig):
    name = "officina.presence"
    label = "presence"
    verbose_name = _("Presence")

    def ready(self) -> None:
        from officina.presence import receivers

        receivers.connect()
