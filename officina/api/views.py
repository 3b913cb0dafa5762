"""The API tokens page: create a token (shown once) and revoke tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.signed_in import signed_in_member
from officina.api.access import access_api_token_by_id
from officina.api.actions import check_create_api_token, do_revoke_api_token
from officina.api.forms import ApiTokenForm
from officina.api.selectors import member_api_tokens
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = check_create_api_token(member, form.cleaned_data["name"])
        except OfficinaError as error:
            show_error_on_form(form, error, default_field="name")
        else:
            form = ApiTokenForm()
    status = 400 if request.method == "POST" and new_token is None else 200
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": member_api_tokens(member),
        },
        status=status,
    )


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = access_api_token_by_id(signed_in_member(request), token_id)
    do_revoke_api_token(token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api:tokens")
