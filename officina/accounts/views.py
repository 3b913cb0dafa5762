"""Account pages: sign up, log in and out, password reset, settings, companies."""

from __future__ import annotations

from collections.abc import Mapping

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.core.safe_redirects import redirect_within_site

from . import actions, selectors
from .access import access_company_by_slug, access_company_join_request_by_id, is_company_owner
from .forms import (
    AddCompanyMemberForm,
    CompanyForm,
    CompanyRelationForm,
    EmailAuthenticationForm,
    KioskPinForm,
    MemberPasswordResetForm,
    PresenceVisibilityForm,
    SettingsForm,
    SignUpForm,
)
from .models import CompanyRelation, Member
from .signed_in import signed_in_member


def apply_language(request: HttpRequest, response: HttpResponse, language: str) -> HttpResponse:
    """Switch the interface to the member's language now and on their next visits."""
    if language:
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
        )
    return response


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: for a signed-in member, it changes their setting.

    Django's own view then validates ``next`` and sets the cookie for this browser.
    """
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        try:
            actions.check_set_language(signed_in_member(request), language)
        except OfficinaError as error:
            messages.error(request, str(error))
            return redirect_within_site(request, request.POST.get("next", ""), "web:home")
    return set_language(request)


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_request_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                language=translation.get_language() or "",
                links=actions.SignUpLinks(
                    confirm=lambda token: request.build_absolute_uri(
                        reverse("accounts:signup_confirm", args=[token])
                    ),
                    log_in=request.build_absolute_uri(reverse("accounts:login")),
                    password_reset=request.build_absolute_uri(reverse("accounts:password_reset")),
                ),
            )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            # The same answer whether or not the address has an account (see the action).
            return redirect("accounts:signup_sent")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


def sign_up_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A button, not the link itself, makes the account: mail scanners open links too."""
    if request.method != "POST":
        return render(request, "accounts/signup_confirm.html")
    try:
        member = actions.check_confirm_sign_up(token)
    except OfficinaError as error:
        messages.error(request, str(error))
        return redirect("accounts:login")
    login(request, member, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Welcome to Officina, %(name)s!") % {"name": member.first_name})
    return apply_language(request, redirect("web:home"), member.language)


class LogInView(auth_views.LoginView):
    """Failed attempts are counted by django-axes (settings), which answers a lock-out."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        member = form.get_user()
        assert isinstance(member, Member)
        return apply_language(self.request, response, member.language)

    def form_invalid(self, form: EmailAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: Mapping[str, object] | None
) -> HttpResponse:
    """django-axes' answer to a locked account or address (AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


class LogOutView(auth_views.LogoutView):
    """POST only (Django refuses GET); then back to the landing page."""


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = MemberPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # A reset request counts like a failed sign-in, for the account and for the address:
        # mail-bombing a member, or probing many addresses, meets the same lock-out.
        credentials = {"username": actions.normalize_email(form.cleaned_data["email"])}
        if AxesProxyHandler.is_locked(self.request, credentials):
            return locked_out(self.request, None, credentials)
        user_login_failed.send(sender=type(self), credentials=credentials, request=self.request)
        if getattr(self.request, "axes_locked_out", False):  # this request reached the limit
            return locked_out(self.request, None, credentials)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:settings")

    def get_success_url(self) -> str:
        # A project guest has no settings page: home takes them to their projects.
        if getattr(self.request.user, "is_guest", False):
            return reverse("web:home")
        return super().get_success_url()

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    settings_form = SettingsForm(
        initial={
            "first_name": member.first_name,
            "last_name": member.last_name,
            "language": member.language,
            "time_zone": member.time_zone,
        }
    )
    pin_form = KioskPinForm()
    privacy_form = PresenceVisibilityForm(
        initial={"presence_visibility": member.presence_visibility}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("form") == "privacy":
            privacy_form = PresenceVisibilityForm(request.POST)
            if privacy_form.is_valid():
                actions.check_set_presence_visibility(
                    member, privacy_form.cleaned_data["presence_visibility"]
                )
                messages.success(request, _("Who sees that you are here is saved."))
                return redirect("accounts:settings")
        elif request.POST.get("form") == "pin":
            pin_form = KioskPinForm(request.POST)
            if pin_form.is_valid():
                try:
                    actions.check_set_kiosk_pin(member, pin_form.cleaned_data["pin"])
                except OfficinaError as error:
                    show_error_on_form(pin_form, error)
                else:
                    messages.success(request, _("Your kiosk PIN is set."))
                    return redirect("accounts:settings")
        elif request.POST.get("form") == "clear_pin":
            actions.do_clear_kiosk_pin(member)
            messages.success(request, _("Your kiosk PIN is removed."))
            return redirect("accounts:settings")
        else:
            settings_form = SettingsForm(request.POST)
            if settings_form.is_valid():
                try:
                    actions.check_update_member_settings(member, **settings_form.cleaned_data)
                except OfficinaError as error:
                    show_error_on_form(settings_form, error)
                else:
                    messages.success(request, _("Your settings are saved."))
                    response = redirect("accounts:settings")
                    if not member.language:  # "follow my browser": forget the choice
                        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
                    return apply_language(request, response, member.language)
    context = {
        "settings_form": settings_form,
        "pin_form": pin_form,
        "privacy_form": privacy_form,
        "companies": selectors.member_companies(member),
        "invitations": selectors.member_company_invitations(member),
    }
    return render(request, "accounts/settings.html", context, status=status)


@login_required
def companies(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = Paginator(selectors.companies_directory(query), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/companies.html", {"page": page, "query": query})


@login_required
def company(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_company = access_company_by_slug(member, slug)
    people = selectors.company_people(the_company)
    is_owner = is_company_owner(member, the_company)
    is_member = any(p.member_id == member.pk for p in people)
    context = {
        "company": the_company,
        "people": people,
        "relations": selectors.company_relations(the_company),
        "is_owner": is_owner,
        "is_member": is_member,
        "invitation": None if is_member else selectors.company_invitation_for(member, the_company),
        "requested": not is_member and selectors.has_requested_to_join_company(member, the_company),
        "join_requests": selectors.company_join_requests(the_company) if is_owner else [],
        "add_member_form": AddCompanyMemberForm() if is_owner else None,
        "relation_form": CompanyRelationForm(company=the_company) if is_owner else None,
    }
    return render(request, "accounts/company.html", context)


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    form = CompanyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_company = actions.check_create_company(member, **form.cleaned_data)
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": new_company.name})
            return redirect("accounts:company", slug=new_company.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/company_form.html", {"form": form}, status=status)


@login_required
def company_edit(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_company = access_company_by_slug(member, slug, to_manage=True)
    initial = {
        "name": the_company.name,
        "description": the_company.description,
        "website": the_company.website,
        "city": the_company.city,
        "space": the_company.space.slug if the_company.space else None,
    }
    form = CompanyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_update_company(member, the_company, **form.cleaned_data)
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("accounts:company", slug=the_company.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/company_form.html",
        {"form": form, "company": the_company},
        status=status,
    )


def _back_to_company(slug: str) -> HttpResponseRedirect:
    return redirect("accounts:company", slug=slug)


@login_required
@require_POST
def company_add_member(request: HttpRequest, slug: str) -> HttpResponse:
    actor = signed_in_member(request)
    the_company = access_company_by_slug(actor, slug, to_manage=True)
    form = AddCompanyMemberForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return _back_to_company(slug)
    try:
        result = actions.check_add_company_member(
            actor,
            the_company,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            signup_url=request.build_absolute_uri(reverse("accounts:signup")),
        )
    except OfficinaError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(email)s is invited: they join once they accept.") % {"email": result.email},
        )
    return _back_to_company(slug)


@login_required
@require_POST
def company_answer_invitation(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_company = access_company_by_slug(member, slug)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        raise OfficinaError(_("Choose to accept or to decline."), ErrorCode.BAD_REQUEST)
    actions.check_answer_company_invitation(member, the_company, accept=decision == "accept")
    if decision == "accept":
        messages.success(request, _("Welcome to %(company)s!") % {"company": the_company.name})
    else:
        messages.success(request, _("You declined the invitation."))
    return _back_to_company(slug)


@login_required
@require_POST
def company_ask_to_join(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_company = access_company_by_slug(member, slug)
    try:
        actions.check_ask_to_join_company(
            member, the_company, message=request.POST.get("message", "")
        )
    except OfficinaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your request is sent: an owner will answer."))
    return _back_to_company(slug)


@login_required
@require_POST
def company_decide_request(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    owner = signed_in_member(request)
    the_company = access_company_by_slug(owner, slug, to_manage=True)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        raise OfficinaError(_("Choose to approve or to refuse."), ErrorCode.BAD_REQUEST)
    join_request = access_company_join_request_by_id(owner, the_company, request_id)
    name = join_request.member.display_name
    actions.check_decide_company_join_request(owner, join_request, approve=decision == "approve")
    if decision == "approve":
        messages.success(request, _("%(name)s is now in the company.") % {"name": name})
    else:
        messages.success(request, _("You refused %(name)s's request.") % {"name": name})
    return _back_to_company(slug)


def _member_from_post(request: HttpRequest) -> Member:
    member_id = request.POST.get("member", "")
    member = Member.objects.filter(pk=int(member_id)).first() if member_id.isdigit() else None
    if member is None:
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    return member


@login_required
@require_POST
def company_remove_member(request: HttpRequest, slug: str) -> HttpResponse:
    actor = signed_in_member(request)
    the_company = access_company_by_slug(actor, slug)
    member = _member_from_post(request)
    try:
        actions.check_remove_company_member(actor, the_company, member)
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error))
    else:
        if actor.pk == member.pk:
            messages.success(request, _("You left %(company)s.") % {"company": the_company.name})
        else:
            messages.success(request, _("%(name)s removed.") % {"name": member.display_name})
    return _back_to_company(slug)


@login_required
@require_POST
def company_set_role(request: HttpRequest, slug: str) -> HttpResponse:
    actor = signed_in_member(request)
    the_company = access_company_by_slug(actor, slug, to_manage=True)
    member = _member_from_post(request)
    try:
        actions.check_set_company_role(actor, the_company, member, request.POST.get("role", ""))
    except OfficinaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Role changed."))
    return _back_to_company(slug)


@login_required
@require_POST
def company_set_primary(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_company = access_company_by_slug(member, slug)
    actions.check_set_primary_company(member, the_company)
    messages.success(
        request, _("%(company)s is now your main company.") % {"company": the_company.name}
    )
    return _back_to_company(slug)


@login_required
@require_POST
def company_add_relation(request: HttpRequest, slug: str) -> HttpResponse:
    actor = signed_in_member(request)
    the_company = access_company_by_slug(actor, slug, to_manage=True)
    form = CompanyRelationForm(request.POST, company=the_company)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return _back_to_company(slug)
    try:
        actions.check_add_company_relation(
            actor, the_company, form.cleaned_data["other"], form.cleaned_data["kind"]
        )
    except OfficinaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Relation added."))
    return _back_to_company(slug)


@login_required
@require_POST
def company_remove_relation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = signed_in_member(request)
    the_company = access_company_by_slug(actor, slug)
    relation = (
        CompanyRelation.objects.select_related("from_company", "to_company")
        .filter(pk=pk)
        .filter(from_company=the_company)
        .first()
    ) or (
        CompanyRelation.objects.select_related("from_company", "to_company")
        .filter(pk=pk, to_company=the_company)
        .first()
    )
    if relation is None:
        raise OfficinaError(_("Relation not found."), ErrorCode.NOT_FOUND)
    actions.check_remove_company_relation(actor, relation)
    messages.success(request, _("Relation removed."))
    return _back_to_company(slug)
