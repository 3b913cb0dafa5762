"""Skills pages: the taxonomy, one skill's people, my skills, endorsing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
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
    access_free_tag_by_id,
    access_member_free_tag_by_id,
    access_member_skill_by_id,
    access_own_free_tag_by_id,
    access_own_member_skill_by_id,
    access_own_stated_evidence_by_id,
    access_skill_by_slug,
    may_curate_free_tags,
)
from officina.skills.actions import (
    check_add_free_tag,
    check_add_member_skill,
    check_add_stated_evidence,
    check_edit_stated_evidence,
    check_endorse,
    check_rename_free_tag,
    do_merge_free_tag,
    do_remove_free_tag,
    do_remove_member_skill,
    do_remove_stated_evidence,
    do_withdraw_endorsement,
)
from officina.skills.forms import (
    FreeTagForm,
    MemberSkillForm,
    MergeFreeTagForm,
    RenameFreeTagForm,
    StatedEvidenceForm,
)
from officina.skills.kinds import SkillCategory, SkillKind
from officina.skills.models import MemberFreeTag, MemberSkill
from officina.skills.selectors import (
    SkillsByKind,
    attach_stated_evidence,
    free_tags_in_use,
    member_free_tags,
    member_skills_with_counts,
    members_with_skill,
    skill_catalogue,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member

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
        return _my_skills_page(request, form=form, status=400)
    return _my_skills_page(request, form=form)


@login_required
@require_POST
def add_free_tag(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    tag_form = FreeTagForm(request.POST, prefix="tag")
    if tag_form.is_valid():
        try:
            # Written in the language of the page the member typed it on.
            check_add_free_tag(
                member,
                tag_form.cleaned_data["text"],
                tag_form.cleaned_data["kind"],
                (get_language() or "en").split("-")[0],
                level=tag_form.cleaned_data["level"],
            )
        except OfficinaError as error:
            show_error_on_form(tag_form, error, default_field="text")
        else:
            messages.success(request, _("Saved."))
            return redirect("skills:mine")
    return _my_skills_page(request, tag_form=tag_form, status=400)


def _my_skills_page(
    request: HttpRequest,
    *,
    form: MemberSkillForm | None = None,
    tag_form: FreeTagForm | None = None,
    evidence: tuple[str, StatedEvidenceForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    member = signed_in_member(request)
    rows = member_skills_with_counts(member, member)
    free_tags = member_free_tags(member, member)
    _add_evidence_forms(member, rows, free_tags, evidence)
    # Who to meet for what is listed here: matchmaking's reciprocal suggestions, each
    # person once (it replaced a list of every offer matching every need).
    suggestions = people_to_meet(member, limit=PEOPLE_SHOWN)
    do_record_shown(member, [each.member.pk for each in suggestions])
    context = {
        "form": form or MemberSkillForm(),
        "tag_form": tag_form or FreeTagForm(prefix="tag"),
        "skills_by_kind": SkillsByKind.of(rows, free_tags),
        "people": suggestion_cards(member, suggestions),
        "may_curate": may_curate_free_tags(member),
    }
    return render(request, "skills/mine.html", context, status=status)


def _add_evidence_forms(
    member: Member,
    rows: list[MemberSkill],
    free_tags: list[MemberFreeTag],
    failed: tuple[str, StatedEvidenceForm] | None,
) -> None:
    """Each listing that takes evidence gets a form to add some, and each piece of
    evidence one to edit it; the form that failed is shown again, open, with its errors."""
    attach_stated_evidence(member, rows, free_tags)

    def form_for(prefix: str, initial: dict[str, str] | None = None) -> StatedEvidenceForm:
        if failed is not None and failed[0] == prefix:
            return failed[1]
        return StatedEvidenceForm(prefix=prefix, initial=initial)

    listings: list[MemberSkill | MemberFreeTag] = [*rows, *free_tags]
    for listing in listings:
        if not listing.takes_evidence:  # type: ignore[union-attr]
            continue
        prefix = _evidence_prefix(listing)
        listing.evidence_form = form_for(prefix)  # type: ignore[union-attr]
        opened = failed is not None and failed[0] == prefix
        for item in listing.stated:  # type: ignore[union-attr]
            item.form = form_for(f"evidence-{item.pk}", {"url": item.url, "text": item.text})
            opened = opened or (failed is not None and failed[0] == f"evidence-{item.pk}")
        listing.evidence_open = opened  # type: ignore[union-attr]


def _evidence_prefix(listing: MemberSkill | MemberFreeTag) -> str:
    if isinstance(listing, MemberSkill):
        return f"evidence-skill-{listing.pk}"
    return f"evidence-tag-{listing.pk}"


@login_required
@require_POST
def add_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence of a listed skill: a link or a short text."""
    return _add_evidence(request, access_own_member_skill_by_id(signed_in_member(request), pk))


@login_required
@require_POST
def add_free_tag_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence of a free tag the member lists."""
    return _add_evidence(request, access_own_free_tag_by_id(signed_in_member(request), pk))


def _add_evidence(request: HttpRequest, listing: MemberSkill | MemberFreeTag) -> HttpResponse:
    return _save_evidence(
        request,
        _evidence_prefix(listing),
        lambda url, text: check_add_stated_evidence(listing, url, text),
    )


@login_required
@require_POST
def edit_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access_own_stated_evidence_by_id(signed_in_member(request), pk)
    return _save_evidence(
        request,
        f"evidence-{evidence.pk}",
        lambda url, text: check_edit_stated_evidence(evidence, url, text),
    )


def _save_evidence(
    request: HttpRequest, prefix: str, save: Callable[[str, str], object]
) -> HttpResponse:
    """The form sent with ``prefix``, saved by ``save(url, text)``; refused, the page again
    with that form open and its error."""
    form = StatedEvidenceForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            save(form.cleaned_data["url"], form.cleaned_data["text"])
        except OfficinaError as error:
            show_error_on_form(form, error, default_field="url")
        else:
            messages.success(request, _("Saved."))
            return redirect("skills:mine")
    return _my_skills_page(request, evidence=(prefix, form), status=400)


@login_required
@require_POST
def remove_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    do_remove_stated_evidence(access_own_stated_evidence_by_id(signed_in_member(request), pk))
    messages.success(request, _("Removed."))
    return redirect("skills:mine")


@login_required
@require_POST
def remove_free_tag(request: HttpRequest, pk: int) -> HttpResponse:
    do_remove_free_tag(access_own_free_tag_by_id(signed_in_member(request), pk))
    messages.success(request, _("Removed."))
    return redirect("skills:mine")


@login_required
def free_tags(request: HttpRequest) -> HttpResponse:
    """The free tags in use, for a space manager to merge into the taxonomy or rename."""
    member = signed_in_member(request)
    if not may_curate_free_tags(member):
        raise OfficinaError(_("Page not found."), ErrorCode.NOT_FOUND)
    return _free_tags_page(request)


def _free_tags_page(
    request: HttpRequest, *, failed: tuple[int, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    tags = free_tags_in_use()
    rows = []
    for tag in tags:
        merge: forms.Form = MergeFreeTagForm(prefix=f"merge-{tag.pk}")
        rename: forms.Form = RenameFreeTagForm(
            prefix=f"rename-{tag.pk}", initial={"text": tag.text}
        )
        if failed is not None and failed[0] == tag.pk:
            if isinstance(failed[1], MergeFreeTagForm):
                merge = failed[1]
            else:
                rename = failed[1]
        rows.append((tag, merge, rename))
    media = MergeFreeTagForm().media
    return render(request, "skills/free_tags.html", {"rows": rows, "media": media}, status=status)


@login_required
@require_POST
def merge_free_tag(request: HttpRequest, pk: int) -> HttpResponse:
    tag = access_free_tag_by_id(signed_in_member(request), pk)
    form = MergeFreeTagForm(request.POST, prefix=f"merge-{tag.pk}")
    if not form.is_valid():
        return _free_tags_page(request, failed=(tag.pk, form), status=400)
    merged = do_merge_free_tag(tag, form.cleaned_data["skill"])
    messages.success(
        request,
        _("“%(tag)s” merged into %(skill)s: %(count)d members.")
        % {"tag": tag.text, "skill": merged.skill.name, "count": merged.moved + merged.folded},
    )
    return redirect("skills:free_tags")


@login_required
@require_POST
def rename_free_tag(request: HttpRequest, pk: int) -> HttpResponse:
    tag = access_free_tag_by_id(signed_in_member(request), pk)
    form = RenameFreeTagForm(request.POST, prefix=f"rename-{tag.pk}")
    if form.is_valid():
        try:
            check_rename_free_tag(tag, form.cleaned_data["text"])
        except OfficinaError as error:
            show_error_on_form(form, error, default_field="text")
        else:
            messages.success(request, _("Renamed."))
            return redirect("skills:free_tags")
    return _free_tags_page(request, failed=(tag.pk, form), status=400)


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
    return _toggle_endorsement(request, member, access_member_skill_by_id(member, pk))


@login_required
@require_POST
def toggle_free_tag_endorsement(request: HttpRequest, pk: int) -> HttpResponse:
    """Endorse a member's free tag, or withdraw the endorsement, as a skill's."""
    member = signed_in_member(request)
    return _toggle_endorsement(request, member, access_member_free_tag_by_id(member, pk))


def _toggle_endorsement(
    request: HttpRequest, member: Member, listing: MemberSkill | MemberFreeTag
) -> HttpResponse:
    profile_url = reverse("social:profile", args=[listing.member_id])
    if request.POST.get("withdraw"):
        do_withdraw_endorsement(member, listing)
        return redirect_to_next(request, profile_url)
    try:
        check_endorse(member, listing)
    except OfficinaError as error:
        if error.code != ErrorCode.CONFLICT:
            raise
        # Endorsed already (a second tab, a double click): the wish is met, say nothing.
        return redirect_to_next(request, profile_url)
    messages.success(request, _("Endorsement sent."))
    return redirect_to_next(request, profile_url)
