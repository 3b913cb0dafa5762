from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "officina.core"
    verbose_name = _("Officina core")
    label = "core"

    def ready(self) -> None:
        from django.contrib import admin

        # The admin speaks of Officina, in the language of whoever uses it.
        admin.site.site_header = _("Officina administration")
        admin.site.site_title = "Officina"
        admin.site.index_title = _("Community and phone system")
