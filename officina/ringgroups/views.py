"""The ring groups of a company or a space: the list (with each person's own available /
do not disturb switch, which the phone page shows too), the form of a company's owners
or a space's managers, and the business hours.

The same views serve a company's pages and a space's (``owner`` in the URL's keyword
arguments, see ``urls.owner_pages``); their links and redirects keep to the owner's
pages through the URL's instance namespace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.owner_pages import owner_page_context
from officina.accounts.selectors import owner_people
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.trunks.kinds import RouteKind
from officina.trunks.selectors import routed_to

from .access import (
    access_own_place_by_id,
    access_ring_group_by_id,
    access_ring_group_owner_by_slug,
    may_manage_ring_groups,
)
from .actions import (
    check_add_hours_exception,
    check_delete_ring_group,
    check_save_business_hours,
    check_save_ring_group,
    check_set_availability,
    do_remove_hours_exception,
)

if TYPE_CHECKING:
    pass

from .forms import BusinessHoursForm, HoursExceptionForm, RingGroupForm
from .selectors import is_owner_open, my_places, owner_business_hours, owner_ring_groups


def _to(request: HttpRequest, name: str, slug: str, *more: object) -> HttpResponse:
    """To ``name``'s page of the owner whose page this was (a company's or a space's)."""
    namespace = request.resolver_match.namespace if request.resolver_match else None
    return redirect(reverse(f"ringgroups:{name}", args=[slug, *more], current_app=namespace))


@login_required
def group_list(request: HttpRequest, slug: str, owner: str = "company") -> HttpResponse:
    member = signed_in_member(request)
    found = access_ring_group_owner_by_slug(member, slug, owner=owner)
    return render(
        request,
        "ringgroups/list.html",
        {
            **owner_page_context(found),
            "groups": owner_ring_groups(found),
            "my_places": my_places(member, found),
            "may_manage": may_manage_ring_groups(member, found),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(
    request: HttpRequest, slug: str, group_id: int | None = None, owner: str = "company"
) -> HttpResponse:
    member = signed_in_member(request)
    found = access_ring_group_owner_by_slug(member, slug, owner=owner, to_manage=True)
    group = (
        access_ring_group_by_id(member, slug, group_id, owner=owner, to_manage=True)
        if group_id is not None
        else None
    )
    people = owner_people(found)
    if request.method == "POST":
        form = RingGroupForm(request.POST, people=people)
        if form.is_valid():
            try:
                saved = check_save_ring_group(found, form.ring_group_input(), group)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return _to(request, "list", slug)
    else:
        form = RingGroupForm(
            initial=RingGroupForm.initial_of(group) if group is not None else None, people=people
        )
    return render(
        request,
        "ringgroups/form.html",
        {
            **owner_page_context(found),
            "group": group,
            "form": form,
            "routed_from": routed_to(RouteKind.RING_GROUP, group.number, seen_by=found)
            if group
            else [],
        },
    )


@login_required
@require_POST
def group_delete(
    request: HttpRequest, slug: str, group_id: int, owner: str = "company"
) -> HttpResponse:
    group = access_ring_group_by_id(
        signed_in_member(request), slug, group_id, owner=owner, to_manage=True
    )
    try:
        check_delete_ring_group(group, seen_by=group.owner)
    except OfficinaError as error:
        # Said on the group's page, where the button is and what routes here is listed.
        messages.error(request, str(error.message))
        return _to(request, "edit", slug, group.pk)
    messages.success(request, _("%(name)s is removed.") % {"name": group.name})
    return _to(request, "list", slug)


@login_required
@require_POST
def set_availability(
    request: HttpRequest, slug: str, group_id: int, owner: str = "company"
) -> HttpResponse:
    member = signed_in_member(request)
    group = access_own_place_by_id(member, slug, group_id, owner=owner)
    available = request.POST.get("available") == "yes"
    check_set_availability(member, group, available=available)
    if available:
        messages.success(request, _("%(name)s's calls ring you again.") % {"name": group.name})
    else:
        messages.success(
            request,
            _("Do not disturb: %(name)s's calls no longer ring you.") % {"name": group.name},
        )
    # Back to the phone page it was switched on, or that shows it: a space's groups
    # are listed for its managers alone.
    from_phone = request.POST.get("next") == "phone"
    if from_phone or (owner == "space" and not may_manage_ring_groups(member, group.owner)):
        return redirect(reverse("pbx:phone") + "#ring-groups")
    return _to(request, "list", slug)


@login_required
@require_http_methods(["GET", "POST"])
def business_hours(request: HttpRequest, slug: str, owner: str = "company") -> HttpResponse:
    member = signed_in_member(request)
    company = access_ring_group_owner_by_slug(member, slug, owner=owner)
    may_manage = may_manage_ring_groups(member, company)
    hours = owner_business_hours(company)
    form = BusinessHoursForm(initial=BusinessHoursForm.initial_of(hours) if hours else None)
    exception_form = HoursExceptionForm()
    if request.method == "POST":
        company = access_ring_group_owner_by_slug(member, slug, owner=owner, to_manage=True)
        if request.POST.get("form") == "exception":
            exception_form = HoursExceptionForm(request.POST)
            if exception_form.is_valid():
                data = exception_form.cleaned_data
                try:
                    check_add_hours_exception(
                        company,
                        data["day"],
                        opens=data["opens"],
                        closes=data["closes"],
                        note=data["note"],
                    )
                except OfficinaError as error:
                    show_error_on_form(exception_form, error)
                else:
                    messages.success(request, _("The exception is saved."))
                    return _to(request, "hours", slug)
        else:
            form = BusinessHoursForm(request.POST)
            if form.is_valid():
                try:
                    check_save_business_hours(company, form.business_hours_input())
                except OfficinaError as error:
                    show_error_on_form(form, error)
                else:
                    messages.success(request, _("The business hours are saved."))
                    return _to(request, "hours", slug)
    return render(
        request,
        "ringgroups/hours.html",
        {
            **owner_page_context(company),
            "hours": hours,
            "open_now": is_owner_open(company),
            "form": form,
            "exception_form": exception_form,
            "may_manage": may_manage,
        },
    )


@login_required
@require_POST
def remove_hours_exception(
    request: HttpRequest, slug: str, exception_id: int, owner: str = "company"
) -> HttpResponse:
    company = access_ring_group_owner_by_slug(
        signed_in_member(request), slug, owner=owner, to_manage=True
    )
    do_remove_hours_exception(company, exception_id)
    return _to(request, "hours", slug)
