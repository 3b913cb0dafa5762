"""Spaces, who's here (live), check in/out, arrival watches, space management and the kiosk."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from officina.accounts import actions as account_actions
from officina.accounts import selectors as account_selectors
from officina.accounts.access import access_join_request_by_id, access_space_by_slug, space_role
from officina.accounts.kinds import PresenceVisibility, SpaceRole
from officina.accounts.signed_in import signed_in_member
from officina.bookings.selectors import coming_today, desk_to_claim
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form

from . import actions, selectors
from .access import access_kiosk_by_id, access_kiosk_by_token
from .forms import (
    CheckInForm,
    EnableKioskForm,
    JoinRequestForm,
    NewSpaceForm,
    SpaceDetailsForm,
    SpaceRoleForm,
)
from .live import member_payload
from .models import Kiosk

if TYPE_CHECKING:
    from officina.accounts.models import Member


@login_required
def spaces(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    all_spaces = account_selectors.all_spaces()
    roles = account_selectors.member_space_roles(member)
    counts = selectors.presence_counts(member)
    rows = [
        {"space": space, "role": roles.get(space.pk), "present": counts.get(space.pk, 0)}
        for space in all_spaces
    ]
    context = {"rows": rows, "current": selectors.current_check_in(member)}
    return render(request, "presence/spaces.html", context)


@login_required
def space_create(request: HttpRequest) -> HttpResponse:
    """Staff open a new space and become its first manager."""
    member = signed_in_member(request)
    if not member.is_staff:
        raise OfficinaError(_("Space not found."), ErrorCode.NOT_FOUND)
    form = NewSpaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_space = account_actions.check_create_space(member, **form.cleaned_data)
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("%(space)s is open.") % {"space": new_space.name})
            return redirect("presence:space", slug=new_space.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "presence/space_form.html", {"form": form}, status=status)


@login_required
def space(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug)
    role = space_role(member, the_space)
    if role is None:
        context = {
            "space": the_space,
            "requested": account_selectors.has_requested_to_join(member, the_space),
            "form": JoinRequestForm(),
        }
        return render(request, "presence/space_join.html", context)
    present = selectors.space_presence(member, the_space)
    on_site, remote = selectors.split_by_kind(present)
    people = [member_payload(p.check_in, p.company_name, p.desk) for p in present]
    current = selectors.current_check_in(member)
    desk = None if the_space.is_remote else desk_to_claim(member, the_space)
    context = {
        "space": the_space,
        "role": role,
        "is_manager": role == SpaceRole.MANAGER,
        "people": people,
        "on_site_count": len(on_site),
        "remote_count": len(remote),
        "current": current,
        "here": current is not None and current.space_id == the_space.pk,
        "desk_to_claim": desk,
        "form": CheckInForm(desk=desk.resource.name if desk else ""),
    }
    return render(request, "presence/space.html", context)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("presence:space", slug=slug)
    try:
        joined = account_actions.check_join_space(
            member, the_space, message=form.cleaned_data["message"]
        )
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error))
        return redirect("presence:space", slug=slug)
    if not joined:
        messages.success(
            request,
            _("Your request is sent: you will be notified when a manager of %(space)s answers.")
            % {"space": the_space.name},
        )
    else:
        messages.success(request, _("Welcome to %(space)s!") % {"space": the_space.name})
    return redirect("presence:space", slug=slug)


@login_required
@require_POST
def cancel_join(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug)
    account_actions.check_cancel_join_request(member, the_space)
    messages.success(request, _("Your request to join is withdrawn."))
    return redirect("presence:space", slug=slug)


@login_required
def join_requests(request: HttpRequest, slug: str) -> HttpResponse:
    """The managers' queue: who asks to join, oldest first."""
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, to_manage=True)
    context = {"space": the_space, "requests": account_selectors.space_join_requests(the_space)}
    return render(request, "presence/join_requests.html", context)


@login_required
@require_POST
def decide_join_request(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, to_manage=True)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        raise OfficinaError(_("Choose to approve or to refuse."), ErrorCode.BAD_REQUEST)
    join_request = access_join_request_by_id(member, the_space, request_id)
    name = join_request.member.display_name
    account_actions.check_decide_join_request(member, join_request, approve=decision == "approve")
    if decision == "approve":
        messages.success(request, _("%(name)s is now a member.") % {"name": name})
    else:
        messages.success(request, _("You refused %(name)s's request.") % {"name": name})
    return redirect("presence:join_requests", slug=slug)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, as_member=True)
    try:
        account_actions.check_leave_space(member, the_space)
    except OfficinaError as error:
        messages.error(request, str(error))
        return redirect("presence:space", slug=slug)
    messages.success(request, _("You left %(space)s.") % {"space": the_space.name})
    return redirect("presence:spaces")


@login_required
@require_POST
def check_in(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, as_member=True)
    now = timezone.now()
    desk = None if the_space.is_remote else desk_to_claim(member, the_space, now=now)
    form = CheckInForm(request.POST, desk=desk.resource.name if desk else "")
    if form.is_valid():
        until = form.cleaned_data["until"]
        try:
            actions.check_check_in(
                member,
                the_space,
                planned_until=(
                    actions.planned_until_from_local_time(the_space, until, now) if until else None
                ),
                note=form.cleaned_data["note"],
                claim_desk=form.cleaned_data.get("claim_desk", False),
                now=now,
            )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            if the_space.is_remote:
                messages.success(request, _("You are coworking remotely. Have a good session!"))
            else:
                messages.success(
                    request, _("You are checked in at %(space)s.") % {"space": the_space.name}
                )
            return redirect("presence:space", slug=slug)
    for errors in form.errors.values():
        messages.error(request, " ".join(str(e) for e in errors))
    return redirect("presence:space", slug=slug)


@login_required
@require_POST
def claim_desk(request: HttpRequest, slug: str) -> HttpResponse:
    """Checked in already, the member takes the desk they booked for today."""
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, as_member=True)
    try:
        desk = actions.check_claim_desk_here(member, the_space)
    except OfficinaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(desk)s is yours for today.") % {"desk": desk})
    return redirect("presence:space", slug=slug)


@login_required
@require_POST
def check_out(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    try:
        actions.check_check_out(member)
    except OfficinaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You are checked out. See you soon!"))
    if request.POST.get("next") == "home":
        return redirect("web:home")
    return redirect("presence:space", slug=slug)


@login_required
def people(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, as_member=True)
    query = request.GET.get("q", "")[:100]
    page = Paginator(account_selectors.space_members(the_space, query), 40).get_page(
        request.GET.get("page")
    )
    ids = [person.pk for person in page]
    present = selectors.present_member_ids(member, the_space) & set(ids)
    context = {
        "space": the_space,
        "page": page,
        "query": query,
        "present": present,
        "watched": selectors.watched_member_ids(member),
    }
    return render(request, "presence/people.html", context)


def _member_from_post(request: HttpRequest) -> Member:
    raw = request.POST.get("member", "")
    found = account_selectors.visible_member_by_id(int(raw)) if raw.isdigit() else None
    if found is None:
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    return found


@login_required
@require_POST
def watch(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    access_space_by_slug(member, slug, as_member=True)
    target = _member_from_post(request)
    try:
        actions.check_watch_arrival(member, target)
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("We will tell you when %(name)s arrives.") % {"name": target.display_name},
        )
    return redirect(reverse("presence:people", args=[slug]) + "?" + request.GET.urlencode())


@login_required
@require_POST
def unwatch(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    access_space_by_slug(member, slug, as_member=True)
    actions.do_unwatch_arrival(member, _member_from_post(request))
    messages.success(request, _("You will not be told."))
    return redirect("presence:people", slug=slug)


# --- management ----------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, to_manage=True)
    details_form = SpaceDetailsForm(
        initial={
            "name": the_space.name,
            "address": the_space.address,
            "city": the_space.city,
            "time_zone": the_space.time_zone,
            "capacity": the_space.capacity,
            "description": the_space.description,
            "join_policy": the_space.join_policy,
        }
    )
    role_form = SpaceRoleForm()
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("form") == "role":
            role_form = SpaceRoleForm(request.POST)
            if role_form.is_valid():
                # A project guest is found too: adding them makes them a member.
                person = account_selectors.account_by_email(role_form.cleaned_data["email"])
                if person is None:
                    role_form.add_error("email", _("No member has this e-mail address."))
                else:
                    try:
                        account_actions.check_set_space_role(
                            member, the_space, person, role_form.cleaned_data["role"]
                        )
                    except OfficinaError as error:
                        show_error_on_form(role_form, error)
                    else:
                        messages.success(request, _("Role saved."))
                        return redirect("presence:manage", slug=slug)
        else:
            details_form = SpaceDetailsForm(request.POST)
            if details_form.is_valid():
                try:
                    account_actions.check_update_space(
                        member, the_space, **details_form.cleaned_data
                    )
                except OfficinaError as error:
                    show_error_on_form(details_form, error)
                else:
                    messages.success(request, _("Changes saved."))
                    return redirect("presence:manage", slug=the_space.slug)
    context = {
        "space": the_space,
        "details_form": details_form,
        "role_form": role_form,
        "kiosk_form": EnableKioskForm(),
        "kiosks": Kiosk.objects.filter(space=the_space).select_related("created_by"),
        "managers": account_selectors.space_managers(the_space),
        "pending_requests": len(account_selectors.space_join_requests(the_space)),
    }
    return render(request, "presence/manage.html", context, status=status)


@login_required
@require_POST
def revoke_kiosk(request: HttpRequest, slug: str, kiosk_id: int) -> HttpResponse:
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, to_manage=True)
    kiosk = access_kiosk_by_id(kiosk_id, space_id=the_space.pk)
    actions.check_revoke_kiosk(member, kiosk)
    messages.success(request, _("The kiosk is switched off."))
    return redirect("presence:manage", slug=slug)


# --- kiosk -----------------------------------------------------------------------------------


def _kiosk_cookie_path(slug: str) -> str:
    return reverse("presence:kiosk", args=[slug])


def _kiosk_of_this_device(request: HttpRequest, slug: str) -> Kiosk:
    return access_kiosk_by_token(slug, request.COOKIES.get(actions.KIOSK_COOKIE, ""))


def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    """The tablet at the door; a manager opens it once on the device."""
    try:
        the_kiosk = _kiosk_of_this_device(request, slug)
    except OfficinaError:
        pass  # not the tablet (yet): a manager may make it one below
    else:
        context = {
            "kiosk": the_kiosk,
            "space": the_kiosk.space,
            # Anyone in the hall reads the tablet: guests are counted, never named.
            "coming_today": coming_today(None, the_kiosk.space),
        }
        return render(request, "presence/kiosk.html", context)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    member = signed_in_member(request)
    the_space = access_space_by_slug(member, slug, to_manage=True)
    form = EnableKioskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _kiosk, token = actions.check_enable_kiosk(
                member, the_space, name=form.cleaned_data["name"]
            )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            # The tablet stays at the door: nobody's account may stay open on it.
            logout(request)
            response = redirect("presence:kiosk", slug=slug)
            response.set_cookie(
                actions.KIOSK_COOKIE,
                token,
                max_age=365 * 24 * 3600,
                path=_kiosk_cookie_path(slug),
                httponly=True,
                samesite="Strict",
                secure=request.is_secure(),
            )
            return response
    status = 400 if request.method == "POST" else 200
    return render(
        request, "presence/kiosk_enable.html", {"space": the_space, "form": form}, status=status
    )


@require_GET
def kiosk_people(request: HttpRequest, slug: str) -> JsonResponse:
    the_kiosk = _kiosk_of_this_device(request, slug)
    query = request.GET.get("q", "").strip()[:60]
    if len(query) < 2:
        return JsonResponse({"people": []})
    found = list(account_selectors.space_members(the_kiosk.space, query)[:12])
    present = selectors.present_member_ids_at_kiosk(the_kiosk.space)
    return JsonResponse(
        {
            "people": [
                {
                    "id": person.pk,
                    # A first name and an initial: enough to find yourself, little to a passer-by.
                    "name": f"{person.first_name} {person.last_name[:1]}.".strip(),
                    "initials": person.initials,
                    # Null for members who show their presence to fewer people than
                    # everyone at the door: the tablet then offers "check in or out".
                    "here": (
                        person.pk in present
                        if person.presence_visibility == PresenceVisibility.SPACES
                        else None
                    ),
                    "has_pin": person.has_kiosk_pin,
                }
                for person in found
            ]
        }
    )


@require_POST
def kiosk_toggle(request: HttpRequest, slug: str) -> JsonResponse:
    the_kiosk = _kiosk_of_this_device(request, slug)
    try:
        data = json.loads(request.body or b"{}")
        member_id = int(data.get("member", 0))
        pin = str(data.get("pin", ""))
    except (ValueError, TypeError, AttributeError) as error:
        raise OfficinaError(_("Bad request."), ErrorCode.BAD_REQUEST) from error
    answer = actions.check_kiosk_toggle(the_kiosk, member_id, pin)
    name = answer.check_in.member.first_name
    if answer.direction == "out":
        text = _("Goodbye, %(name)s! You are checked out.") % {"name": name}
    elif answer.desk:
        text = _("Welcome, %(name)s! You are checked in at your desk, %(desk)s.") % {
            "name": name,
            "desk": answer.desk,
        }
    else:
        text = _("Welcome, %(name)s! You are checked in.") % {"name": name}
    return JsonResponse({"direction": answer.direction, "desk": answer.desk, "message": text})
