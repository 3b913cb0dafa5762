from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "officina.accounts"
    label = "accounts"
    verbose_name = _("Members, companies and spaces")
