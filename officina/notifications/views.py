"""Notification list, mark read, digest preference."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.signed_in import signed_in_member
from officina.core.safe_redirects import redirect_within_site
from officina.notifications.access import access_notification_by_id
from officina.notifications.actions import (
    do_mark_all_read,
    do_mark_read,
    do_set_digest_frequency,
)
from officina.notifications.forms import DigestPreferenceForm
from officina.notifications.selectors import digest_frequency_of, notifications_for

PAGE_SIZE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    page = Paginator(notifications_for(member), PAGE_SIZE).get_page(request.GET.get("page"))
    form = DigestPreferenceForm(initial={"frequency": digest_frequency_of(member)})
    return render(request, "notifications/list.html", {"page": page, "digest_form": form})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = access_notification_by_id(signed_in_member(request), pk)
    do_mark_read(notification)
    return redirect_within_site(request, notification.url, "notifications:list")


@login_required
@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = do_mark_all_read(signed_in_member(request))
    if marked:
        messages.success(request, _("All notifications marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    form = DigestPreferenceForm(request.POST)
    if not form.is_valid():
        page = Paginator(notifications_for(member), PAGE_SIZE).get_page(1)
        return render(
            request, "notifications/list.html", {"page": page, "digest_form": form}, status=400
        )
    do_set_digest_frequency(member, form.cleaned_data["frequency"])
    messages.success(request, _("E-mail digest preference saved."))
    return redirect("notifications:list")
