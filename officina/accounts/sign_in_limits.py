"""How many failed sign-ins lock out an account, and how many an address.

A coworking puts every member's browser behind one public address: ten mistyped
passwords there in a quarter of an hour, spread over a few members, must not lock the
whole office out of the site, while ten guesses at one account are plenty. django-axes
compares every lockout parameter with one limit, so the handler scales the address's
count by its own, higher ceiling before axes compares it with the account limit.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def _failures(attempts: QuerySet[Any]) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class AccountOrSharedAddressHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Locked when the account has ``AXES_FAILURE_LIMIT`` recent failures, or the address
    ``SIGN_IN_FAILURES_PER_ADDRESS`` across all accounts."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        per_account = _failures(recent.filter(username=username)) if username else 0
        per_address = _failures(recent.filter(ip_address=request.axes_ip_address))  # type: ignore[attr-defined]
        account_limit: int = settings.AXES_FAILURE_LIMIT
        # per_address reaches the account limit exactly when it reaches its own ceiling.
        return max(
            per_account, per_address * account_limit // settings.SIGN_IN_FAILURES_PER_ADDRESS
        )
