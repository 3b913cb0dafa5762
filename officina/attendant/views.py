"""A company's auto-attendant menus: the list (with how to reach each), and the owners'
form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form

from .access import access_menu_by_id, access_menus_by_company_slug, may_manage_menus
from .actions import check_save_menu, do_delete_menu
from .forms import MenuForm
from .selectors import company_menus


@login_required
def menu_list(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_menus_by_company_slug(member, slug)
    return render(
        request,
        "attendant/list.html",
        {
            "company": company,
            "menus": company_menus(company),
            "may_manage": may_manage_menus(member, company),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def menu_edit(request: HttpRequest, slug: str, menu_id: int | None = None) -> HttpResponse:
    member = signed_in_member(request)
    company = access_menus_by_company_slug(member, slug, to_manage=True)
    menu = access_menu_by_id(member, slug, menu_id, to_manage=True) if menu_id else None
    if request.method == "POST":
        form = MenuForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = check_save_menu(
                    company, form.menu_input(), menu, form.cleaned_data["greeting_audio"]
                )
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return redirect("attendant:list", slug=company.slug)
    else:
        form = MenuForm(initial=MenuForm.initial_of(menu) if menu is not None else None)
    return render(request, "attendant/form.html", {"company": company, "menu": menu, "form": form})


@login_required
def menu_greeting(request: HttpRequest, slug: str, menu_id: int) -> FileResponse:
    menu = access_menu_by_id(signed_in_member(request), slug, menu_id)
    return FileResponse(menu.greeting.open("rb"), content_type="audio/wav")


@login_required
@require_POST
def menu_delete(request: HttpRequest, slug: str, menu_id: int) -> HttpResponse:
    menu = access_menu_by_id(signed_in_member(request), slug, menu_id, to_manage=True)
    do_delete_menu(menu)
    messages.success(request, _("%(name)s is removed.") % {"name": menu.name})
    return redirect("attendant:list", slug=slug)
