"""Forms of the account pages; they check the shape of the input, actions check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .kinds import CompanyRole, PresenceVisibility, RelationKind, member_time_zones
from .logos import process_logo
from .models import Company, Space


class SignUpForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password")
            and data.get("password_again")
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True})
    )

    error_messages = {
        "invalid_login": _("Wrong e-mail address or password."),
        "inactive": _("This account is inactive."),
    }

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


def _language_choices() -> list[tuple[str, Any]]:
    return [("", _("Follow my browser")), *settings.LANGUAGES]


def _time_zone_choices() -> list[tuple[str, Any]]:
    community = format_lazy(_("The community's ({zone})"), zone=settings.TIME_ZONE)
    return [("", community), *((zone, zone.replace("_", " ")) for zone in member_time_zones())]


class SettingsForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        required=False,
        help_text=_("Times on every page, in notifications and e-mails are shown in it."),
    )


class PresenceVisibilityForm(forms.Form):
    presence_visibility = forms.ChoiceField(
        label=_("Who sees that I am here"),
        choices=PresenceVisibility.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "On who's here, the dashboard, the kiosk, live pages and the API. "
            "You always see yourself."
        ),
    )


class KioskPinForm(forms.Form):
    pin = forms.CharField(
        label=_("New kiosk PIN"),
        min_length=4,
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("4 to 8 digits, typed on the tablet at the door to check in."),
    )
    pin_again = forms.CharField(
        label=_("PIN again"),
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pin") and data.get("pin_again") and data["pin"] != data["pin_again"]:
            self.add_error("pin_again", _("The two PINs differ."))
        return data


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    city = forms.CharField(label=_("City"), max_length=80, required=False)
    space = forms.ModelChoiceField(
        label=_("Space"),
        queryset=Space.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label=_("None"),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, WebP or GIF, 2 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def clean_logo(self) -> ContentFile[bytes] | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        return process_logo(upload)


class AddCompanyMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_(
            "A member is notified and accepts or declines; "
            "someone without an account receives the invitation by e-mail."
        ),
    )
    # A person added is a member; making them an owner is a second, deliberate step.
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (CompanyRole.MEMBER, CompanyRole.MEMBER.label),
            (CompanyRole.OWNER, CompanyRole.OWNER.label),
        ],
        initial=CompanyRole.MEMBER,
    )


class CompanyRelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("is our"), choices=RelationKind.choices)
    other = forms.ModelChoiceField(
        label=_("Company"), queryset=Company.objects.order_by("name"), to_field_name="slug"
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = Company.objects.exclude(pk=company.pk).order_by("name")  # type: ignore[attr-defined]


class MemberPasswordResetForm(PasswordResetForm):
    """Django's reset form, writing to each member in the language they chose."""

    def send_mail(  # type: ignore[no-untyped-def]
        self, subject_template_name, email_template_name, context, *args, **kwargs
    ) -> None:
        chosen = getattr(context.get("user"), "language", "")
        with translation.override(chosen or translation.get_language()):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
