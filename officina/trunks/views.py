"""A company's lines to its provider: trunks (with what the provider last said),
numbers and where they ring, and what each person may call out to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.selectors import company_people
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form

from .access import (
    access_number_by_id,
    access_trunk_by_id,
    access_trunks_by_company_slug,
    may_manage_trunks,
)
from .actions import (
    check_save_number,
    check_save_trunk,
    check_set_permission,
    do_delete_number,
    do_delete_trunk,
)
from .forms import NumberForm, PermissionForm, TrunkForm
from .selectors import company_numbers, company_permissions, company_trunks


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_trunks_by_company_slug(member, slug)
    permissions = company_permissions(company)
    people = [
        (membership.member, PermissionForm(initial=PermissionForm.initial_of(
            permissions.get(membership.member_id)
        ), prefix=f"p{membership.member_id}"))
        for membership in company_people(company)
    ]  # fmt: skip
    return render(
        request,
        "trunks/list.html",
        {
            "company": company,
            "trunks": company_trunks(company),
            "numbers": company_numbers(company),
            "people": people,
            "may_manage": may_manage_trunks(member, company),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def trunk_edit(request: HttpRequest, slug: str, trunk_id: int | None = None) -> HttpResponse:
    member = signed_in_member(request)
    company = access_trunks_by_company_slug(member, slug, to_manage=True)
    trunk = (
        access_trunk_by_id(member, slug, trunk_id, to_manage=True) if trunk_id is not None else None
    )
    has_password = bool(trunk is not None and trunk.password)
    if request.method == "POST":
        form = TrunkForm(request.POST, has_password=has_password)
        if form.is_valid():
            try:
                saved = check_save_trunk(company, form.trunk_input(), trunk)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return redirect("trunks:list", slug=company.slug)
    else:
        form = TrunkForm(
            initial=TrunkForm.initial_of(trunk) if trunk is not None else None,
            has_password=has_password,
        )
    return render(
        request, "trunks/trunk_form.html", {"company": company, "trunk": trunk, "form": form}
    )


@login_required
@require_POST
def trunk_delete(request: HttpRequest, slug: str, trunk_id: int) -> HttpResponse:
    trunk = access_trunk_by_id(signed_in_member(request), slug, trunk_id, to_manage=True)
    do_delete_trunk(trunk)
    messages.success(request, _("%(name)s is removed.") % {"name": trunk.name})
    return redirect("trunks:list", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def number_edit(request: HttpRequest, slug: str, number_id: int | None = None) -> HttpResponse:
    member = signed_in_member(request)
    company = access_trunks_by_company_slug(member, slug, to_manage=True)
    number = (
        access_number_by_id(member, slug, number_id, to_manage=True)
        if number_id is not None
        else None
    )
    trunks = list(company_trunks(company))
    if request.method == "POST":
        form = NumberForm(request.POST, trunks=trunks)
        if form.is_valid():
            try:
                saved = check_save_number(company, form.number_input(), number)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.e164})
                return redirect("trunks:list", slug=company.slug)
    else:
        form = NumberForm(
            initial=NumberForm.initial_of(number) if number is not None else None, trunks=trunks
        )
    return render(
        request,
        "trunks/number_form.html",
        {"company": company, "number": number, "form": form, "has_trunks": bool(trunks)},
    )


@login_required
@require_POST
def number_delete(request: HttpRequest, slug: str, number_id: int) -> HttpResponse:
    number = access_number_by_id(signed_in_member(request), slug, number_id, to_manage=True)
    do_delete_number(number)
    messages.success(request, _("%(name)s is removed.") % {"name": number.e164})
    return redirect("trunks:list", slug=slug)


@login_required
@require_POST
def permission_edit(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    company = access_trunks_by_company_slug(signed_in_member(request), slug, to_manage=True)
    person = next((m.member for m in company_people(company) if m.member_id == member_id), None)
    if person is None:
        raise Http404
    form = PermissionForm(request.POST, prefix=f"p{member_id}")
    if not form.is_valid():
        messages.error(request, _("From 0 to 1440 minutes a day."))
        return redirect("trunks:list", slug=slug)
    try:
        check_set_permission(company, person, form.permission_input())
    except OfficinaError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Calls out of %(name)s are saved.") % {"name": person.display_name}
        )
    return redirect("trunks:list", slug=slug)
