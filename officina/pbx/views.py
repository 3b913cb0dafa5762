"""The member's phone page (extension, SIP settings, devices, call history) and the
browser phone: its window, its short-lived SIP credential, and who a caller is."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from officina.accounts.access import access_company_by_slug
from officina.accounts.signed_in import signed_in_member, signed_in_member_of
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.core.safe_redirects import redirect_to_next
from officina.pbx.access import access_own_extension_by_member
from officina.pbx.actions import (
    check_set_forwarding,
    check_upload_hold_music,
    do_provision_extension,
    do_regenerate_sip_password,
    do_remove_hold_music,
)
from officina.pbx.browser_credentials import (
    REFRESH_AFTER_SECONDS,
    credential_key,
    issue_browser_credential,
)
from officina.pbx.call_export import write_calls_csv
from officina.pbx.call_requests import CallState
from officina.pbx.click_to_call import (
    check_call_progress,
    check_click_to_call,
    check_end_call,
    check_throttle,
    state_message,
)
from officina.pbx.company_calls import (
    CALLS_PER_PAGE,
    EXPORT_MAX_CALLS,
    CallFilters,
    CompanyLines,
    access_company_calls_by_slug,
    company_call_people,
    company_calls,
    company_lines,
)
from officina.pbx.forms import CompanyCallsFilterForm, ForwardingForm, HoldMusicForm
from officina.pbx.forward_targets import where_forwards_go
from officina.pbx.ice_servers import ice_configuration
from officina.pbx.models import Extension
from officina.pbx.runtime import node_secret
from officina.pbx.selectors import (
    company_hold_music,
    extension_call_history,
    extension_forwarding,
    extension_holder_name,
    extension_registrations,
    named_call_history,
)
from officina.ringgroups.selectors import my_ring_group_places

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from officina.accounts.models import Company
    from officina.pbx.models import CallRecord

WEBSOCKET_PATH = "/sip/ws"
# Where the session keeps a new password until the page shows it (the key, not a secret).
NEW_SIP_PASSWORD_KEY = "pbx.new_sip_password"  # noqa: S105


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


def phone_context(
    request: HttpRequest, extension: Extension, forwarding_form: ForwardingForm | None = None
) -> dict[str, object]:
    now = timezone.now()
    stored = extension_forwarding(extension)
    return {
        "forwarding_form": forwarding_form
        or ForwardingForm(initial=ForwardingForm.initial_of(stored)),
        "forwards_go": where_forwards_go(extension.member, stored),
        "extension": extension,
        "credential": getattr(extension, "sip_credential", None),
        "sip": sip_connection_settings(request),
        "registrations": list(extension_registrations(extension, now)),
        "calls": named_call_history(extension),
        # The groups the member is in, each with its do-not-disturb switch.
        "ring_group_places": my_ring_group_places(extension.member)
        if extension.member is not None
        else [],
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
    if request.method == "POST":
        # Post, redirect, get: reloading the page must not make yet another password.
        # The new one waits in the member's session for the one page that shows it.
        request.session[NEW_SIP_PASSWORD_KEY] = do_regenerate_sip_password(extension)
        return redirect("pbx:phone")
    context = phone_context(request, extension)
    context["new_password"] = request.session.pop(NEW_SIP_PASSWORD_KEY, None)
    return render(request, "pbx/phone.html", context)


@never_cache
@login_required
@require_POST
def forwarding(request: HttpRequest) -> HttpResponse:
    """Where the member's calls are forwarded; the phone page again with the errors."""
    member = signed_in_member(request)
    extension = access_own_extension_by_member(member)
    form = ForwardingForm(request.POST)
    if form.is_valid():
        try:
            check_set_forwarding(extension, form.forwarding_input())
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Your call forwarding is saved."))
            return redirect(reverse("pbx:phone") + "#forwarding")
    context = phone_context(request, extension, form)
    return render(request, "pbx/phone.html", context, status=400)


SOFTPHONE_HISTORY_LENGTH = 20


@never_cache
@login_required
@require_GET
def softphone(request: HttpRequest) -> HttpResponse:
    """The browser phone, a window of its own: a call in it lasts while the member moves
    between Officina's pages in their other windows and tabs (docs/pbx.md)."""
    member = signed_in_member(request)
    do_provision_extension(member)
    extension = access_own_extension_by_member(member)
    dial = request.GET.get("dial", "")
    return render(
        request,
        "pbx/softphone.html",
        {
            "extension": extension,
            "calls": list(extension_call_history(extension, limit=SOFTPHONE_HISTORY_LENGTH)),
            "softphone": {
                "websocketUrl": sip_connection_settings(request)["websocket_url"],
                "domain": settings.SIP_DOMAIN,
                "number": extension.number,
                "displayName": member.display_name,
                "refreshAfterSeconds": REFRESH_AFTER_SECONDS,
                # Only a number is ever dialled from a link; anything else is ignored.
                "dial": dial if dial.isdigit() and len(dial) <= 16 else "",
            },
        },
    )


@never_cache
@login_required
@require_POST
def softphone_credential(request: HttpRequest) -> JsonResponse:
    """A SIP credential for the signed-in member's own extension, valid for minutes, and
    the STUN/TURN servers its calls gather candidates from (``pbx/ice_servers.py``).

    POST with the CSRF token, so that no other site can make a signed-in browser fetch
    one (a GET could be embedded anywhere)."""
    member = signed_in_member(request)
    extension = access_own_extension_by_member(member)
    credential = issue_browser_credential(
        credential_key(node_secret()), extension.pk, extension.number, time.time()
    )
    return JsonResponse(
        {
            "username": credential.username,
            "password": credential.password,
            "expires_at": credential.expires_at,
            **ice_configuration(extension.number, time.time()).as_json(),
        }
    )


@never_cache
@login_required
@require_GET
def softphone_caller(request: HttpRequest, number: str) -> JsonResponse:
    """Who holds extension ``number``, for the incoming-call popup.

    The proxy has checked that a caller's From number is their own; the name their
    phone put beside it has not been checked, so the popup shows the member's name
    looked up here instead."""
    signed_in_member(request)
    return JsonResponse({"number": number, "name": extension_holder_name(number)})


@never_cache
@login_required
@require_POST
def click_to_call(request: HttpRequest) -> HttpResponse:
    """Ring the member's phones and put them through to ``target`` (a button's form).

    The page's script asks for JSON and follows the call (``click_to_call_progress``);
    without it the member is sent back with the answer as a message."""
    member = signed_in_member(request)
    wants_json = "application/json" in request.headers.get("Accept", "")
    name = request.POST.get("name", "")
    try:
        check_throttle(request)
        placed = check_click_to_call(member, request.POST.get("target", ""), name)
    except OfficinaError as error:
        if wants_json:
            return JsonResponse(error.as_dict(), status=error.http_status)
        messages.error(request, str(error.message))
        return redirect_to_next(request, "pbx:phone")
    message = state_message(placed.state, name)
    if not wants_json:
        messages.success(request, message)
        return redirect_to_next(request, "pbx:phone")
    progress = reverse("pbx:click-to-call-progress", args=[placed.ticket])
    end = reverse("pbx:click-to-call-end", args=[placed.ticket])
    return JsonResponse(
        {
            "ticket": placed.ticket,
            "state": placed.state,
            "message": message,
            "progress": progress,
            "end": end,
        },
        status=201,
    )


@never_cache
@login_required
@require_GET
async def click_to_call_progress(request: HttpRequest, ticket: str) -> JsonResponse:
    """The member's call ``ticket`` once its state is no longer ``known`` (a long poll)."""
    known = request.GET.get("known", "")
    try:
        member = signed_in_member_of(await request.auser())
        state = await check_call_progress(member, ticket, known)
    except OfficinaError as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    message = state_message(state, request.GET.get("name", ""))
    return JsonResponse({"state": state, "message": message, "final": CallState(state).final})


@never_cache
@login_required
@require_POST
async def click_to_call_end(request: HttpRequest, ticket: str) -> JsonResponse:
    """End the member's call ``ticket``: "Cancel" while a phone rings, "Hang up" once
    answered."""
    try:
        member = signed_in_member_of(await request.auser())
        state = await check_end_call(member, ticket)
    except OfficinaError as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    message = state_message(state, request.POST.get("name", ""))
    return JsonResponse({"state": state, "message": message, "final": state.final})


def _company_calls_query(
    request: HttpRequest, slug: str
) -> tuple[Company, CompanyCallsFilterForm, CompanyLines, QuerySet[CallRecord] | None]:
    """The company (its owners only), the filters as sent, and the calls they select
    (None when the filters are not valid: the form says why)."""
    company = access_company_calls_by_slug(signed_in_member(request), slug)
    form = CompanyCallsFilterForm(request.GET or None, people=company_call_people(company))
    lines = company_lines(company)
    if request.GET and not form.is_valid():
        return company, form, lines, None
    filters = form.filters() if request.GET else CallFilters()
    return company, form, lines, company_calls(lines, filters)


@login_required
@require_GET
def company_call_history(request: HttpRequest, slug: str) -> HttpResponse:
    company, form, lines, calls = _company_calls_query(request, slug)
    page = None
    if calls is not None:
        page = Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(call, lines.direction_of(call)) for call in page] if page is not None else []
    return render(
        request,
        "pbx/company_calls.html",
        {"company": company, "form": form, "page": page, "rows": rows},
    )


@login_required
@require_GET
def company_call_export(request: HttpRequest, slug: str) -> HttpResponse:
    company, form, lines, calls = _company_calls_query(request, slug)
    if calls is None:
        field, errors = next(iter(form.errors.items()))
        raise OfficinaError.invalid_input(str(errors[0]), field=field)
    response = HttpResponse(
        write_calls_csv(calls[:EXPORT_MAX_CALLS], lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{company.slug}-calls.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def hold_music(request: HttpRequest, slug: str) -> HttpResponse:
    """A company's own hold music, for its owners: upload it, or go back to the chime."""
    company = access_company_by_slug(signed_in_member(request), slug, to_manage=True)
    form = HoldMusicForm()
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            do_remove_hold_music(company)
            messages.success(request, _("Held calls hear the standard chime again."))
            return redirect("pbx:hold-music", slug=company.slug)
        form = HoldMusicForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                check_upload_hold_music(company, form.cleaned_data["audio"])
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("Your music is now the company's hold music."))
                return redirect("pbx:hold-music", slug=company.slug)
        status = 400
    return render(
        request,
        "pbx/hold_music.html",
        {"company": company, "music": company_hold_music(company), "form": form},
        status=status,
    )
