"""Notification list, mark read, digest preference."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.core.errors import OfficinaError
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
    paginator = Paginator(notifications_for(request.user), PAGE_SIZE)  # type: ignore[arg-type]
    page = paginator.get_page(request.GET.get("page"))
    form = DigestPreferenceForm(initial={"frequency": digest_frequency_of(request.user)})  # type: ignore[arg-type]
    return render(request, "notifications/list.html", {"page": page, "digest_form": form})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = access_notification_by_id(request.user, pk)  # type: ignore[arg-type]
    except OfficinaError as error:
        raise Http404(str(error.message)) from error
    do_mark_read(notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = do_mark_all_read(request.user)  # type: ignore[arg-type]
    if marked:
        messages.success(request, _("All notifications marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    form = DigestPreferenceForm(request.POST)
    if not form.is_valid():
        page = Paginator(notifications_for(request.user), PAGE_SIZE).get_page(1)  # type: ignore[arg-type]
        return render(
            request, "notifications/list.html", {"page": page, "digest_form": form}, status=400
        )
    do_set_digest_frequency(request.user, form.cleaned_data["frequency"])  # type: ignore[arg-type]
    messages.success(request, _("E-mail digest preference saved."))
    return redirect("notifications:list")
