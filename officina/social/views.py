"""Pages of the social network. Views validate and answer 4xx; actions change state."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.selectors import member_companies, visible_members
from officina.accounts.signed_in import signed_in_member
from officina.core.error_responses import wants_json
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.core.safe_redirects import redirect_to_next
from officina.notifications.actions import do_mark_read_for_url
from officina.projects.selectors import my_activity
from officina.skills.folding import folded
from officina.skills.selectors import (
    SkillsByKind,
    all_skills,
    free_tag_choices,
    member_free_tags,
    member_skills_with_counts,
    mutual_help,
    top_skills_of,
)
from officina.social import selectors
from officina.social.access import (
    access_comment_by_id,
    access_company_to_follow_by_slug,
    access_conversation_by_id,
    access_member_for_message_by_id,
    access_post_by_id,
    access_profile_member_by_id,
    access_space_to_follow_by_slug,
    can_moderate_post,
)
from officina.social.actions import (
    check_add_comment,
    check_create_post,
    check_delete_comment,
    check_delete_post,
    check_edit_post,
    check_follow_member,
    check_react,
    check_send_message,
    check_start_conversation,
    do_follow,
    do_mark_conversation_read,
    do_remove_avatar,
    do_set_avatar,
    do_unfollow,
    do_update_profile,
    get_or_create_profile,
)
from officina.social.forms import (
    CommentForm,
    MessageForm,
    NewConversationForm,
    PostEditForm,
    PostForm,
    ProfileForm,
)
from officina.social.ratelimits import check_message_rate, check_post_rate
from officina.social.skill_evidence import attach_skill_evidence

# A glance at the member's projects beside the posts; the projects page has the rest.
FEED_PROJECT_LINES = 5


def _post_page(request: HttpRequest, page_of: Any, **kwargs: Any) -> selectors.PostPage:
    """One keyset page; a forged ``after`` cursor is an invalid-input error, a 400."""
    page: selectors.PostPage = page_of(
        signed_in_member(request), cursor=request.GET.get("after") or None, **kwargs
    )
    return page


# Feed and posts ---------------------------------------------------------------------------


@login_required
def feed(request: HttpRequest) -> HttpResponse:
    return _feed(request, selectors.feed_page, "feed")


@login_required
def community(request: HttpRequest) -> HttpResponse:
    return _feed(request, selectors.community_page, "community")


def _feed(request: HttpRequest, page_of: Any, which: str) -> HttpResponse:
    member = signed_in_member(request)
    form = PostForm(request.POST or None, member=member)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                check_post_rate(member)
                check_create_post(member, form.cleaned_data["body"], **form.audience_target())
            except OfficinaError as error:
                show_error_on_form(form, error)
                status = error.http_status
            else:
                messages.success(request, _("Posted."))
                return redirect(request.path)
    page = _post_page(request, page_of)
    if which == "feed" and not page.posts and "after" not in request.GET:
        # A newcomer follows nobody yet: an empty tab would tell them nothing happens here.
        page, which = _post_page(request, selectors.community_page), "community"
        if page.posts:
            messages.info(
                request,
                _(
                    "You follow nobody yet: here is what everyone posts. "
                    "Follow people to fill your feed."
                ),
            )
    context = {
        "form": form,
        "page": page,
        "which": which,
        "spaces": selectors.spaces_to_follow(member),
        # The newest lines of the member's own projects, on the feed's first page: read
        # through projects' selector, which keeps each line among its project's people.
        "project_activity": (
            my_activity(member, limit=FEED_PROJECT_LINES) if "after" not in request.GET else []
        ),
    }
    return render(request, "social/feed.html", context, status=status)


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    post = access_post_by_id(member, pk)
    selectors.decorate_posts([post], member)
    context = {
        "post": post,
        "comments": selectors.post_comments(post),
        "comment_form": CommentForm(),
        "can_moderate": can_moderate_post(member, post),
    }
    return render(request, "social/post_detail.html", context)


@login_required
@require_POST
def post_comment(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    post = access_post_by_id(member, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            check_add_comment(member, post, form.cleaned_data["body"])
        except OfficinaError as error:
            show_error_on_form(form, error, default_field="body")
        else:
            return redirect(reverse("social:post", args=[post.pk]) + "#comments")
    selectors.decorate_posts([post], member)
    context = {
        "post": post,
        "comments": selectors.post_comments(post),
        "comment_form": form,
        "can_moderate": can_moderate_post(member, post),
    }
    return render(request, "social/post_detail.html", context, status=400)


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    member = signed_in_member(request)
    comment = access_comment_by_id(member, pk, comment_pk)
    check_delete_comment(member, comment)
    messages.success(request, _("Comment deleted."))
    return redirect(reverse("social:post", args=[pk]) + "#comments")


@login_required
@require_POST
def post_react(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    post = access_post_by_id(member, pk)
    check_react(member, post, request.POST.get("kind", ""))
    return redirect_to_next(request, reverse("social:post", args=[pk]))


@login_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    post = access_post_by_id(member, pk)
    if post.author_id != member.pk:
        raise OfficinaError(_("Post not found."), ErrorCode.NOT_FOUND)
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            check_edit_post(member, post, form.cleaned_data["body"])
        except OfficinaError as error:
            show_error_on_form(form, error, default_field="body")
        else:
            messages.success(request, _("Post updated."))
            return redirect("social:post", pk=post.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "social/post_edit.html", {"post": post, "form": form}, status=status)


@login_required
@require_POST
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    post = access_post_by_id(member, pk)
    check_delete_post(member, post)
    messages.success(request, _("Post deleted."))
    return redirect("social:feed")


# Directory and profiles -------------------------------------------------------------------


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    skill = request.GET.get("skill", "").strip()[:80]
    company = request.GET.get("company", "").strip()[:140]
    page = selectors.directory_page(
        query=query, skill=skill, company=company, page_number=request.GET.get("page")
    )
    top_skills = top_skills_of([member.pk for member in page.object_list])
    for member in page.object_list:
        member.top_skills = top_skills.get(member.pk, [])
    filters = request.GET.copy()
    filters.pop("page", None)
    skills, free_tags, skill_key = list(all_skills()), free_tag_choices(), folded(skill)
    context = {
        "page": page,
        "query": query,
        "skill": skill,
        "skill_key": skill_key,
        # A free tag too rare to be offered, or a skill's name typed in the address: the
        # filter still shows what it filters by.
        "skill_offered": any(each.slug == skill for each in skills)
        or any(tag.key == skill_key for tag in free_tags),
        "company": company,
        "filters": filters.urlencode(),
        "skills": skills,
        "free_tags": free_tags,
    }
    return render(request, "social/directory.html", context)


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = signed_in_member(request)
    profile_member = access_profile_member_by_id(viewer, pk)
    skill_rows = member_skills_with_counts(profile_member, viewer)
    free_tags = member_free_tags(profile_member, viewer)
    attach_skill_evidence(profile_member, viewer, skill_rows, free_tags)
    posts = _post_page(request, selectors.posts_by_author, author=profile_member)
    profile_row = getattr(profile_member, "profile", None)
    follow = selectors.follow_counts(profile_member, viewer)
    context = {
        "profile_member": profile_member,
        "profile": profile_row,
        "is_self": viewer.pk == profile_member.pk,
        "skills_by_kind": SkillsByKind.of(skill_rows, free_tags),
        "has_skills": bool(skill_rows or free_tags),
        "companies": member_companies(profile_member),
        "followed_companies": selectors.followed_targets(viewer)["company"],
        "follow": follow,
        "next_steps": _profile_next_steps(profile_row, skill_rows, follow)
        if viewer.pk == profile_member.pk
        else [],
        "page": posts,
        "can_endorse": viewer.pk != profile_member.pk,
        "mutual": None if viewer.pk == profile_member.pk else mutual_help(viewer, profile_member),
    }
    return render(request, "social/profile.html", context)


@login_required
def avatar(request: HttpRequest, pk: int, size: str, version: str) -> FileResponse:
    """A member's avatar, for members only: served by Django so that it works the same
    with or without a web server in front, and never to visitors."""
    profile_member = access_profile_member_by_id(signed_in_member(request), pk)
    profile_row = getattr(profile_member, "profile", None)
    image = None
    if profile_row is not None:
        image = profile_row.avatar if size == "large" else profile_row.avatar_thumbnail
    if not image:
        raise OfficinaError(_("No avatar."), ErrorCode.NOT_FOUND)
    response = FileResponse(image.open("rb"), content_type="image/jpeg")
    # The URL carries the file's random name: a new avatar is a new URL, so cache hard.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


def _profile_next_steps(
    profile_row: Any, skill_rows: list[Any], follow: selectors.FollowCounts
) -> list[tuple[str, str]]:
    """What the member has not done yet to be findable and useful to others."""
    kinds = {row.kind for row in skill_rows}
    edit, skills = reverse("social:profile_edit"), reverse("skills:mine")
    steps = [
        (bool(profile_row and profile_row.headline), _("Write a headline"), edit),
        (bool(profile_row and profile_row.bio), _("Tell people about yourself"), edit),
        (bool(profile_row and profile_row.avatar), _("Add a photo"), edit),
        (len(skill_rows) >= 3, _("List at least three skills"), skills),
        (bool(kinds & {"offer", "need"}), _("Say what you offer or what you need"), skills),
        (follow.following >= 3, _("Follow three people"), reverse("social:directory")),
    ]
    return [(label, url) for done, label, url in steps if not done]


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    profile_row = get_or_create_profile(member)
    initial = {
        "headline": profile_row.headline,
        "bio": profile_row.bio,
        "links": "\n".join(profile_row.links or []),
    }
    if request.method != "POST":
        form = ProfileForm(initial=initial, member=member)
        return render(request, "social/profile_edit.html", {"form": form, "profile": profile_row})
    form = ProfileForm(request.POST, request.FILES, initial=initial, member=member)
    if not form.is_valid():
        # Nothing is saved, not even the valid text fields: a bad upload changes nothing.
        return render(
            request, "social/profile_edit.html", {"form": form, "profile": profile_row}, status=400
        )
    with transaction.atomic():
        do_update_profile(
            member,
            headline=form.cleaned_data["headline"],
            bio=form.cleaned_data["bio"],
            links=form.cleaned_data["links"],
        )
        if form.cleaned_data["avatar"] is not None:
            do_set_avatar(member, form.cleaned_data["avatar"])
        elif form.cleaned_data["remove_avatar"]:
            do_remove_avatar(member)
    messages.success(request, _("Profile saved."))
    return redirect("social:profile", pk=member.pk)


@login_required
@require_POST
def follow_member(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    target = access_profile_member_by_id(member, pk)
    if request.POST.get("unfollow"):
        do_unfollow(member, member=target)
    else:
        check_follow_member(member, target)
    return redirect_to_next(request, reverse("social:profile", args=[pk]))


@login_required
@require_POST
def follow_company(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_company_to_follow_by_slug(member, slug)
    if request.POST.get("unfollow"):
        do_unfollow(member, company=company)
    else:
        do_follow(member, company=company)
    return redirect_to_next(request, reverse("social:feed"))


@login_required
@require_POST
def follow_space(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    space = access_space_to_follow_by_slug(member, slug)
    if request.POST.get("unfollow"):
        do_unfollow(member, space=space)
    else:
        do_follow(member, space=space)
    return redirect_to_next(request, reverse("social:feed"))


# Direct messages --------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    conversations = selectors.inbox(signed_in_member(request))
    return render(request, "social/inbox.html", {"conversations": conversations})


@login_required
def conversation_new(request: HttpRequest) -> HttpResponse:
    """Start (or reopen) a conversation: with one member from a profile, or a group."""
    member = signed_in_member(request)
    if request.method == "POST" and request.POST.get("with"):
        try:
            other_id = int(request.POST["with"])
        except ValueError as error:
            raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND) from error
        other = access_member_for_message_by_id(member, other_id)
        conversation = check_start_conversation(member, [other])
        return redirect("social:conversation", pk=conversation.pk)
    query = request.GET.get("q", "").strip()[:100]
    chosen_ids = [int(raw) for raw in request.POST.getlist("members") if raw.isdigit()]
    candidates = selectors.messageable_members(member, query)
    candidates += [
        m
        for m in visible_members().filter(pk__in=chosen_ids).exclude(pk=member.pk)
        if m not in candidates
    ]
    form = NewConversationForm(request.POST or None, candidates=candidates)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            others = list(visible_members().filter(pk__in=form.cleaned_data["members"]))
            try:
                check_message_rate(member)
                with transaction.atomic():
                    conversation = check_start_conversation(
                        member, others, title=form.cleaned_data["title"]
                    )
                    check_send_message(member, conversation, form.cleaned_data["body"])
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                return redirect("social:conversation", pk=conversation.pk)
        status = 400
    return render(
        request, "social/conversation_new.html", {"form": form, "query": query}, status=status
    )


@login_required
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    conversation_row = access_conversation_by_id(member, pk)
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                check_message_rate(member)
                message = check_send_message(member, conversation_row, form.cleaned_data["body"])
            except OfficinaError as error:
                show_error_on_form(form, error, default_field="body")
                status = error.http_status
            else:
                if wants_json(request):
                    return JsonResponse({"id": message.pk}, status=201)
                return redirect("social:conversation", pk=pk)
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=status)
    do_mark_conversation_read(member, conversation_row)
    do_mark_read_for_url(member, request.path)
    participants = selectors.conversation_participants(conversation_row)
    context = {
        "conversation": conversation_row,
        "messages_list": selectors.conversation_messages(conversation_row),
        "participants": participants,
        "others": [person for person in participants if person.pk != member.pk],
        "form": form,
    }
    return render(request, "social/conversation.html", context, status=status)
