"""The auto-attendant menus of a company or a space: the list (with how to reach each),
and the form of a company's owners or a space's managers.

The same views serve a company's pages and a space's (``owner`` in the URL's keyword
arguments, see ``urls.owner_pages``); their links and redirects keep to the owner's
pages through the URL's instance namespace."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.owner_pages import owner_page_context
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.trunks.kinds import RouteKind
from officina.trunks.selectors import routed_to

from .access import access_menu_by_id, access_menu_owner_by_slug, may_manage_menus
from .actions import check_delete_menu, check_save_menu
from .forms import MenuForm
from .selectors import owner_menus


def _to(request: HttpRequest, name: str, slug: str, *more: object) -> HttpResponse:
    """To ``name``'s page of the owner whose page this was (a company's or a space's)."""
    namespace = request.resolver_match.namespace if request.resolver_match else None
    return redirect(reverse(f"attendant:{name}", args=[slug, *more], current_app=namespace))


@login_required
def menu_list(request: HttpRequest, slug: str, owner: str = "company") -> HttpResponse:
    member = signed_in_member(request)
    found = access_menu_owner_by_slug(member, slug, owner=owner)
    return render(
        request,
        "attendant/list.html",
        {
            **owner_page_context(found),
            "menus": owner_menus(found),
            "may_manage": may_manage_menus(member, found),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def menu_edit(
    request: HttpRequest, slug: str, menu_id: int | None = None, owner: str = "company"
) -> HttpResponse:
    member = signed_in_member(request)
    found = access_menu_owner_by_slug(member, slug, owner=owner, to_manage=True)
    menu = (
        access_menu_by_id(member, slug, menu_id, owner=owner, to_manage=True) if menu_id else None
    )
    if request.method == "POST":
        form = MenuForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = check_save_menu(
                    found, form.menu_input(), menu, form.cleaned_data["greeting_audio"]
                )
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return _to(request, "list", found.slug)
    else:
        form = MenuForm(initial=MenuForm.initial_of(menu) if menu is not None else None)
    return render(
        request,
        "attendant/form.html",
        {
            **owner_page_context(found),
            "menu": menu,
            "form": form,
            "routed_from": routed_to(RouteKind.MENU, menu.number, seen_by=found) if menu else [],
        },
    )


@login_required
def menu_greeting(
    request: HttpRequest, slug: str, menu_id: int, owner: str = "company"
) -> FileResponse:
    menu = access_menu_by_id(signed_in_member(request), slug, menu_id, owner=owner)
    return FileResponse(menu.greeting.open("rb"), content_type="audio/wav")


@login_required
@require_POST
def menu_delete(
    request: HttpRequest, slug: str, menu_id: int, owner: str = "company"
) -> HttpResponse:
    menu = access_menu_by_id(signed_in_member(request), slug, menu_id, owner=owner, to_manage=True)
    try:
        check_delete_menu(menu)
    except OfficinaError as error:
        # Said on the menu's page, where the button is and what routes here is listed.
        messages.error(request, str(error.message))
        return _to(request, "edit", slug, menu.pk)
    messages.success(request, _("%(name)s is removed.") % {"name": menu.name})
    return _to(request, "list", slug)
