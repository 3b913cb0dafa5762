"""The lines of a company or a space to its provider: trunks (with what the provider last
said), numbers and where they ring, and what each of a company's people may call out to.

The same views serve a company's pages and a space's (``owner`` in the URL's keyword
arguments, see ``urls.owner_pages``); their links and redirects keep to the owner's
pages through the URL's instance namespace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.owner_pages import owner_page_context
from officina.accounts.selectors import company_people
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form

from .access import (
    access_number_by_id,
    access_trunk_by_id,
    access_trunk_owner_by_slug,
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
from .selectors import company_permissions, owner_numbers, owner_trunks

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member


def _to_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Back to the list of the owner whose page this was (a company's or a space's)."""
    namespace = request.resolver_match.namespace if request.resolver_match else None
    return redirect(reverse("trunks:list", args=[slug], current_app=namespace))


def _permission_forms(company: Company) -> list[tuple[Member, PermissionForm]]:
    permissions = company_permissions(company)
    return [
        (membership.member, PermissionForm(initial=PermissionForm.initial_of(
            permissions.get(membership.member_id)
        ), prefix=f"p{membership.member_id}"))
        for membership in company_people(company)
    ]  # fmt: skip


@login_required
def overview(request: HttpRequest, slug: str, owner: str = "company") -> HttpResponse:
    member = signed_in_member(request)
    found = access_trunk_owner_by_slug(member, slug, owner=owner)
    # A space sets no allowance per person: its trunk is shared with its members or not.
    people = (
        _permission_forms(access_trunks_by_company_slug(member, slug)) if owner == "company" else []
    )
    return render(
        request,
        "trunks/list.html",
        {
            **owner_page_context(found),
            "trunks": owner_trunks(found),
            "numbers": owner_numbers(found),
            "people": people,
            "may_manage": may_manage_trunks(member, found),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def trunk_edit(
    request: HttpRequest, slug: str, trunk_id: int | None = None, owner: str = "company"
) -> HttpResponse:
    member = signed_in_member(request)
    found = access_trunk_owner_by_slug(member, slug, owner=owner, to_manage=True)
    trunk = (
        access_trunk_by_id(member, slug, trunk_id, owner=owner, to_manage=True)
        if trunk_id is not None
        else None
    )
    has_password = bool(trunk is not None and trunk.password)
    for_space = owner == "space"
    if request.method == "POST":
        form = TrunkForm(request.POST, has_password=has_password, for_space=for_space)
        if form.is_valid():
            try:
                saved = check_save_trunk(found, form.trunk_input(), trunk)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return _to_list(request, slug)
    else:
        form = TrunkForm(
            initial=TrunkForm.initial_of(trunk) if trunk is not None else None,
            has_password=has_password,
            for_space=for_space,
        )
    return render(
        request,
        "trunks/trunk_form.html",
        {**owner_page_context(found), "trunk": trunk, "form": form},
    )


@login_required
@require_POST
def trunk_delete(
    request: HttpRequest, slug: str, trunk_id: int, owner: str = "company"
) -> HttpResponse:
    trunk = access_trunk_by_id(
        signed_in_member(request), slug, trunk_id, owner=owner, to_manage=True
    )
    do_delete_trunk(trunk)
    messages.success(request, _("%(name)s is removed.") % {"name": trunk.name})
    return _to_list(request, slug)


@login_required
@require_http_methods(["GET", "POST"])
def number_edit(
    request: HttpRequest, slug: str, number_id: int | None = None, owner: str = "company"
) -> HttpResponse:
    member = signed_in_member(request)
    found = access_trunk_owner_by_slug(member, slug, owner=owner, to_manage=True)
    number = (
        access_number_by_id(member, slug, number_id, owner=owner, to_manage=True)
        if number_id is not None
        else None
    )
    trunks = list(owner_trunks(found))
    if request.method == "POST":
        form = NumberForm(request.POST, trunks=trunks)
        if form.is_valid():
            try:
                saved = check_save_number(found, form.number_input(), number)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.e164})
                return _to_list(request, slug)
    else:
        form = NumberForm(
            initial=NumberForm.initial_of(number) if number is not None else None, trunks=trunks
        )
    return render(
        request,
        "trunks/number_form.html",
        {**owner_page_context(found), "number": number, "form": form, "has_trunks": bool(trunks)},
    )


@login_required
@require_POST
def number_delete(
    request: HttpRequest, slug: str, number_id: int, owner: str = "company"
) -> HttpResponse:
    number = access_number_by_id(
        signed_in_member(request), slug, number_id, owner=owner, to_manage=True
    )
    do_delete_number(number)
    messages.success(request, _("%(name)s is removed.") % {"name": number.e164})
    return _to_list(request, slug)


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
        return _to_list(request, slug)
    try:
        check_set_permission(company, person, form.permission_input())
    except OfficinaError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Calls out of %(name)s are saved.") % {"name": person.display_name}
        )
    return _to_list(request, slug)
