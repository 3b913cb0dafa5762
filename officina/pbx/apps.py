from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PbxConfig(AppConfig):
    name = "officina.pbx"
    label = "pbx"
    verbose_name = _("Phone system")

    def ready(self) -> None:
        from officina.pbx import ice_servers, receivers

        del ice_servers  # imported for its system check

        receivers.connect()
