"""Forms of the social pages; the avatar is fully validated (and re-encoded) in the form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from officina.core.errors import OfficinaError
from officina.social.access import postable_companies, postable_spaces
from officina.social.actions import MAX_LINKS
from officina.social.avatars import process_avatar
from officina.social.kinds import Visibility

if TYPE_CHECKING:
    from officina.accounts.models import Member

_url_validator = URLValidator(schemes=["http", "https"])
ACCEPTED_IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class ProfileForm(forms.Form):
    headline = forms.CharField(
        label=_("Headline"),
        max_length=120,
        required=False,
        help_text=_("One line: what you do, e.g. “Full-stack developer at Acme”."),
    )
    bio = forms.CharField(
        label=_("About me"), max_length=4000, required=False, widget=forms.Textarea
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Up to five web addresses (http or https), one per line."),
    )
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, at most 4 MB; it is cropped to a square."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_links(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(lines) > MAX_LINKS:
            raise ValidationError(
                _("At most %(count)d links."), params={"count": MAX_LINKS}, code="too_many"
            )
        for line in lines:
            if len(line) > 300:
                raise ValidationError(_("A link is at most 300 characters."), code="too_long")
            try:
                _url_validator(line)
            except ValidationError:
                raise ValidationError(
                    _("“%(link)s” is not a valid web address (http:// or https://)."),
                    params={"link": line[:80]},
                    code="invalid_link",
                ) from None
        return list(dict.fromkeys(lines))

    def clean_avatar(self) -> object:
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        try:
            # Decoded and re-encoded here, before anything is saved.
            return process_avatar(upload, self.member.pk)
        except OfficinaError as error:
            raise ValidationError(str(error.message), code="bad_image") from error


def audience_choices(member: Member) -> list[tuple[str, str]]:
    """Whole community, or a company or space of the member: as its public news, or
    for its members only."""
    choices: list[tuple[str, str]] = [("community", str(_("Whole community")))]
    targets = [("company", company.pk, company.name) for company in postable_companies(member)]
    targets += [("space", space.pk, space.name) for space in postable_spaces(member)]
    for prefix, target_id, name in targets:
        news = _("Community, as news of %(name)s") % {"name": name}
        private = _("Only members of %(name)s") % {"name": name}
        choices.append((f"{prefix}-news:{target_id}", str(news)))
        choices.append((f"{prefix}:{target_id}", str(private)))
    return choices


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Share something with the community"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What are you working on?")}),
    )
    audience = forms.ChoiceField(label=_("Visible to"), choices=[])

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["audience"].choices = audience_choices(member)  # type: ignore[attr-defined]
        self.fields["audience"].initial = "community"

    def audience_target(self) -> dict[str, Any]:
        """The chosen audience as keyword arguments of ``check_create_post``.

        The choices were built from the member's own spaces and companies, so the
        form already refused any other; the action checks membership again.
        """
        value: str = self.cleaned_data["audience"]
        if value == "community":
            return {"visibility": Visibility.COMMUNITY}
        prefix, _sep, raw_id = value.partition(":")
        target_id = int(raw_id)
        if prefix.startswith("company"):
            company = postable_companies(self.member).get(pk=target_id)
            visibility = Visibility.COMPANY if prefix == "company" else Visibility.COMMUNITY
            return {"visibility": visibility, "company": company}
        space = postable_spaces(self.member).get(pk=target_id)
        visibility = Visibility.SPACE if prefix == "space" else Visibility.COMMUNITY
        return {"visibility": visibility, "space": space}


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NewConversationForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label=_("With"), coerce=int, choices=[], widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Title (for groups)"), max_length=120, required=False)
    body = forms.CharField(
        label=_("First message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, candidates: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (member.pk, member.display_name) for member in candidates
        ]
