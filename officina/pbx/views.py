"""The member's phone page: extension, SIP settings, devices, call history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from officina.accounts.signed_in import signed_in_member
from officina.pbx.access import access_own_extension_by_member
from officina.pbx.actions import do_provision_extension, do_regenerate_sip_password
from officina.pbx.models import Extension
from officina.pbx.selectors import extension_registrations, named_call_history

WEBSOCKET_PATH = "/sip/ws"


def sip_connection_settings(request: HttpRequest) -> dict[str, object]:
    """Where a softphone connects: the host the member reached the site on."""
    host, _port = split_domain_port(request.get_host())
    scheme = "wss" if request.is_secure() else "ws"
    return {
        "domain": settings.SIP_DOMAIN,
        "server": host,
        "port": settings.SIP_PORT,
        "websocket_url": f"{scheme}://{request.get_host()}{WEBSOCKET_PATH}",
    }


def phone_context(request: HttpRequest, extension: Extension) -> dict[str, object]:
    now = timezone.now()
    return {
        "extension": extension,
        "credential": getattr(extension, "sip_credential", None),
        "sip": sip_connection_settings(request),
        "registrations": list(extension_registrations(extension, now)),
        "calls": named_call_history(extension),
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    # Sign-up gives each member an extension; members made another way (the admin,
    # ``officina createadmin``) get theirs when they first open this page.
    do_provision_extension(member)
    extension = access_own_extension_by_member(member)
    new_password = None
    if request.method == "POST":
        # The password is shown in this answer only; it is not stored anywhere.
        new_password = do_regenerate_sip_password(extension)
        extension.refresh_from_db()
    context = phone_context(request, extension)
    context["new_password"] = new_password
    return render(request, "pbx/phone.html", context)
