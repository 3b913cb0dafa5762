"""Skills pages: the taxonomy, one skill's people, my skills, endorsing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.core.safe_redirects import redirect_to_next
from officina.matchmaking.actions import do_record_shown
from officina.matchmaking.cards import suggestion_cards
from officina.matchmaking.people import people_to_meet
from officina.skills.access import (
    access_member_skill_by_id,
    access_own_member_skill_by_id,
    access_skill_by_slug,
)
from officina.skills.actions import (
    check_add_member_skill,
    check_endorse,
    do_remove_member_skill,
    do_withdraw_endorsement,
)
from officina.skills.forms import MemberSkillForm
from officina.skills.kinds import SkillCategory, SkillKind
from officina.skills.selectors import (
    SkillsByKind,
    member_skills_with_counts,
    members_with_skill,
    skill_catalogue,
)

PAGE_SIZE = 40
# People to meet on the skills page; the people-to-meet page shows more.
PEOPLE_SHOWN = 5


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    skills = skill_catalogue()
    # Alphabetical in the language of the page, not by the English name.
    categories = [
        (label, sorted((s for s in skills if s.category == value), key=lambda s: s.name.lower()))
        for value, label in SkillCategory.choices
    ]
    return render(request, "skills/catalogue.html", {"categories": [c for c in categories if c[1]]})


@login_required
def skill_detail(request: HttpRequest, slug: str) -> HttpResponse:
    skill = access_skill_by_slug(slug)
    sections = []
    for kinds, title in (
        ([SkillKind.OFFER], _("Offer it")),
        ([SkillKind.SKILL, SkillKind.TALENT], _("Know it")),
        ([SkillKind.NEED], _("Need it")),
        ([SkillKind.INTEREST], _("Are interested")),
    ):
        rows = Paginator(members_with_skill(skill, kinds), PAGE_SIZE).get_page(1)
        sections.append((title, rows))
    return render(request, "skills/detail.html", {"skill": skill, "sections": sections})


@login_required
def my_skills(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    form = MemberSkillForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                check_add_member_skill(
                    member,
                    form.cleaned_data["skill"],
                    form.cleaned_data["kind"],
                    level=form.cleaned_data["level"],
                    note=form.cleaned_data["note"],
                )
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("skills:mine")
        status = 400
    rows = member_skills_with_counts(member, member)
    # Who to meet for what is listed here: matchmaking's reciprocal suggestions, each
    # person once (it replaced a list of every offer matching every need).
    suggestions = people_to_meet(member, limit=PEOPLE_SHOWN)
    do_record_shown(member, [each.member.pk for each in suggestions])
    context = {
        "form": form,
        "skills_by_kind": SkillsByKind.of(rows),
        "people": suggestion_cards(member, suggestions),
    }
    return render(request, "skills/mine.html", context, status=status)


@login_required
@require_POST
def remove_my_skill(request: HttpRequest, pk: int) -> HttpResponse:
    member_skill = access_own_member_skill_by_id(signed_in_member(request), pk)
    do_remove_member_skill(member_skill)
    messages.success(request, _("Removed."))
    return redirect("skills:mine")


@login_required
@require_POST
def toggle_endorsement(request: HttpRequest, pk: int) -> HttpResponse:
    """Endorse a member's skill, or withdraw the endorsement when ``withdraw`` is sent."""
    member = signed_in_member(request)
    member_skill = access_member_skill_by_id(member, pk)
    profile_url = reverse("social:profile", args=[member_skill.member_id])
    if request.POST.get("withdraw"):
        do_withdraw_endorsement(member, member_skill)
        return redirect_to_next(request, profile_url)
    try:
        check_endorse(member, member_skill)
    except OfficinaError as error:
        if error.code != ErrorCode.CONFLICT:
            raise
        # Endorsed already (a second tab, a double click): the wish is met, say nothing.
        return redirect_to_next(request, profile_url)
    messages.success(request, _("Endorsement sent."))
    return redirect_to_next(request, profile_url)
