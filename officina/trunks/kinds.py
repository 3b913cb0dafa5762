"""The trunks' choices and bounds, importable without their models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NAME_MAX_LENGTH = 80
REGISTER_SECONDS_MIN = 60
REGISTER_SECONDS_MAX = 3600
REGISTER_SECONDS_DEFAULT = 600
DAILY_MINUTES_MAX = 24 * 60
DAILY_MINUTES_DEFAULT = 60
# The guard's refusal when a member's minutes out today are used up (beside the classes).
DAILY_MINUTES_REFUSAL = "daily-minutes"
MAX_PEER_ADDRESSES = 16


class TrunkMode(models.TextChoices):
    REGISTER = "register", _("registers with the provider")
    PEER = "peer", _("peer by address")


class CallerIdHeader(models.TextChoices):
    PAI = "pai", _("P-Asserted-Identity")
    FROM = "from", _("From")
    BOTH = "both", _("P-Asserted-Identity and From")


class CallClass(models.TextChoices):
    """What a dialled number costs, as the toll-fraud guard sorts it."""

    INTERNAL = "internal", pgettext_lazy("call class", "internal")
    NATIONAL = "national", pgettext_lazy("call class", "national")
    MOBILE = "mobile", pgettext_lazy("call class", "mobile")
    INTERNATIONAL = "international", pgettext_lazy("call class", "international")
    PREMIUM = "premium", pgettext_lazy("call class", "premium rate")
    SATELLITE = "satellite", pgettext_lazy("call class", "satellite")


# Allowed for a member nobody has set permissions for: calls within the country, to
# landlines and mobiles. International, premium and satellite calls are where toll
# fraud costs money, so they wait for a company admin's yes.
DEFAULT_CLASSES = frozenset({CallClass.INTERNAL, CallClass.NATIONAL, CallClass.MOBILE})


class RouteKind(models.TextChoices):
    EXTENSION = "extension", _("an extension")
    RING_GROUP = "ring_group", _("a ring group")
    VOICEMAIL = "voicemail", _("an extension's voicemail")
    MENU = "menu", _("an auto-attendant menu")


class NumberForward(models.TextChoices):
    """When a number's calls go on elsewhere (set on the number, for every call to it)."""

    NEVER = "", _("never")
    ALWAYS = "always", _("always")
    NO_ANSWER = "no_answer", _("when not answered")


# Where a number's forwarding sends its calls: where a number may ring, or outside.
FORWARD_OUTSIDE = "outside"
FORWARD_KINDS = [*RouteKind.choices, (FORWARD_OUTSIDE, _("a number outside"))]
FORWARD_KIND_VALUES = frozenset(value for value, _label in FORWARD_KINDS)


FORWARD_SECONDS_MIN = 5
FORWARD_SECONDS_MAX = 120
FORWARD_SECONDS_DEFAULT = 20
FORWARD_TARGET_MAX_LENGTH = 16  # an E.164 number
# A number forwarded outside makes calls nobody of the company dialled, on no one's
# daily minutes: only to where any of its people may call without an owner's yes.
NUMBER_FORWARD_CLASSES = frozenset({CallClass.NATIONAL, CallClass.MOBILE})
