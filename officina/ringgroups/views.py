"""A company's ring groups: the list (with each person's own available / do not disturb
switch), and the owners' form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.selectors import company_people
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form

from .access import (
    access_ring_group_by_id,
    access_ring_groups_by_company_slug,
    may_manage_ring_groups,
)
from .actions import (
    check_add_hours_exception,
    check_save_business_hours,
    check_save_ring_group,
    check_set_availability,
    do_delete_ring_group,
    do_remove_hours_exception,
)
from .forms import BusinessHoursForm, HoursExceptionForm, RingGroupForm
from .selectors import company_business_hours, company_ring_groups, is_company_open, my_places


@login_required
def group_list(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_ring_groups_by_company_slug(member, slug)
    return render(
        request,
        "ringgroups/list.html",
        {
            "company": company,
            "groups": company_ring_groups(company),
            "my_places": my_places(member, company),
            "may_manage": may_manage_ring_groups(member, company),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, slug: str, group_id: int | None = None) -> HttpResponse:
    member = signed_in_member(request)
    company = access_ring_groups_by_company_slug(member, slug, to_manage=True)
    group = (
        access_ring_group_by_id(member, slug, group_id, to_manage=True)
        if group_id is not None
        else None
    )
    people = [membership.member for membership in company_people(company)]
    if request.method == "POST":
        form = RingGroupForm(request.POST, people=people)
        if form.is_valid():
            try:
                saved = check_save_ring_group(company, form.ring_group_input(), group)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return redirect("ringgroups:list", slug=company.slug)
    else:
        form = RingGroupForm(
            initial=RingGroupForm.initial_of(group) if group is not None else None, people=people
        )
    return render(
        request, "ringgroups/form.html", {"company": company, "group": group, "form": form}
    )


@login_required
@require_POST
def group_delete(request: HttpRequest, slug: str, group_id: int) -> HttpResponse:
    group = access_ring_group_by_id(signed_in_member(request), slug, group_id, to_manage=True)
    do_delete_ring_group(group)
    messages.success(request, _("%(name)s is removed.") % {"name": group.name})
    return redirect("ringgroups:list", slug=slug)


@login_required
@require_POST
def set_availability(request: HttpRequest, slug: str, group_id: int) -> HttpResponse:
    member = signed_in_member(request)
    group = access_ring_group_by_id(member, slug, group_id)
    available = request.POST.get("available") == "yes"
    check_set_availability(member, group, available=available)
    if available:
        messages.success(request, _("%(name)s's calls ring you again.") % {"name": group.name})
    else:
        messages.success(
            request,
            _("Do not disturb: %(name)s's calls no longer ring you.") % {"name": group.name},
        )
    return redirect("ringgroups:list", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def business_hours(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_ring_groups_by_company_slug(member, slug)
    may_manage = may_manage_ring_groups(member, company)
    hours = company_business_hours(company)
    form = BusinessHoursForm(initial=BusinessHoursForm.initial_of(hours) if hours else None)
    exception_form = HoursExceptionForm()
    if request.method == "POST":
        company = access_ring_groups_by_company_slug(member, slug, to_manage=True)
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
                    return redirect("ringgroups:hours", slug=company.slug)
        else:
            form = BusinessHoursForm(request.POST)
            if form.is_valid():
                try:
                    check_save_business_hours(company, form.business_hours_input())
                except OfficinaError as error:
                    show_error_on_form(form, error)
                else:
                    messages.success(request, _("The business hours are saved."))
                    return redirect("ringgroups:hours", slug=company.slug)
    return render(
        request,
        "ringgroups/hours.html",
        {
            "company": company,
            "hours": hours,
            "open_now": is_company_open(company),
            "form": form,
            "exception_form": exception_form,
            "may_manage": may_manage,
        },
    )


@login_required
@require_POST
def remove_hours_exception(request: HttpRequest, slug: str, exception_id: int) -> HttpResponse:
    company = access_ring_groups_by_company_slug(signed_in_member(request), slug, to_manage=True)
    do_remove_hours_exception(company, exception_id)
    return redirect("ringgroups:hours", slug=company.slug)
