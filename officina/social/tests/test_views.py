"""Pages through the test client: rights, bad input changes nothing, pinned query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from officina.notifications.models import Notification
from officina.social.actions import (
    check_start_conversation,
    do_create_post,
    do_follow,
    do_send_message,
)
from officina.social.kinds import Visibility
from officina.social.models import Comment, Conversation, Follow, Message, Post, Reaction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/feed/", "/feed/all/", "/members/", "/profile/edit/", "/messages/", "/members/1/"]
)
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_post_to_feed_and_see_it(client_for, giulia):
    client = client_for(giulia)
    response = client.post("/feed/", {"body": "Chi viene al pranzo?", "audience": "community"})
    assert response.status_code == 302
    page = client.get("/feed/").content.decode()
    assert "Chi viene al pranzo?" in page


def test_post_to_someone_elses_space_is_refused(client_for, sara, navigli):
    response = client_for(sara).post(
        "/feed/", {"body": "Intrusione", "audience": f"space:{navigli.pk}"}
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"body": "", "audience": "community"},
        {"body": "   ", "audience": "community"},
        {"body": "x" * 5001, "audience": "community"},
        {"body": "ok", "audience": "space:abc"},
        {"body": "ok", "audience": "galaxy"},
    ],
)
def test_bad_posts_change_nothing(client_for, giulia, data):
    response = client_for(giulia).post("/feed/", data)
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_feed_shows_followed_sources_and_own_posts_only(
    client_for, giulia, marco, sara, luca, panificio, digital
):
    do_create_post(giulia, "mio post")
    do_create_post(marco, "post di marco")
    do_create_post(sara, "notizia del panificio", company=panificio)
    do_create_post(luca, "dal digitale", space=digital)
    do_create_post(luca, "post di luca non seguito")
    do_follow(giulia, member=marco)
    do_follow(giulia, company=panificio)
    do_follow(giulia, space=digital)
    page = client_for(giulia).get("/feed/").content.decode()
    for text in ("mio post", "post di marco", "notizia del panificio", "dal digitale"):
        assert text in page
    assert "post di luca non seguito" not in page


def test_followed_members_private_posts_stay_private(client_for, marco, sara, studio_rossi):
    do_create_post(marco, "segreto di studio", visibility=Visibility.COMPANY, company=studio_rossi)
    do_follow(sara, member=marco)
    assert "segreto di studio" not in client_for(sara).get("/feed/").content.decode()
    assert "segreto di studio" not in client_for(sara).get("/feed/all/").content.decode()


def test_feed_keyset_pages_cover_every_post_once(client_for, giulia):
    Post.objects.bulk_create([Post(author=giulia, body=f"numero {n}") for n in range(45)])
    client = client_for(giulia)
    seen: list[int] = []
    url = "/feed/"
    while url:
        response = client.get(url)
        seen += [post.pk for post in response.context["page"].posts]
        cursor = response.context["page"].next_cursor
        url = f"/feed/?after={cursor}" if cursor else ""
    assert len(seen) == 45 == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_feed_pages_merge_every_kind_of_source(
    client_for, giulia, marco, sara, luca, panificio, digital, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    do_follow(giulia, member=marco)
    do_follow(giulia, company=panificio)
    do_follow(giulia, space=digital)
    now = timezone.now()
    posts = []
    for n in range(60):
        kind = n % 4
        post = Post(author=[giulia, marco, sara, luca][kind], body=f"n{n}")
        if kind == 2:
            post.company = panificio
        if kind == 3:
            post.space = digital
        posts.append(post)
    Post.objects.bulk_create(posts)
    for n, post in enumerate(posts):
        # Pairs share a timestamp: the id must break the tie.
        post.created_at = now - timedelta(minutes=n // 2)
    Post.objects.bulk_update(posts, ["created_at"])
    do_create_post(luca, "non seguito")  # neither followed nor news of a followed source
    client = client_for(giulia)
    seen: list[int] = []
    url = "/feed/"
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [post.pk for post in page.posts]
        url = f"/feed/?after={page.next_cursor}" if page.next_cursor else ""
    expected = sorted((p for p in posts), key=lambda p: (p.created_at, p.pk), reverse=True)
    assert seen == [p.pk for p in expected]


def test_feed_hides_deactivated_authors(client_for, giulia, marco):
    do_follow(giulia, member=marco)
    do_create_post(marco, "ultimo post")
    marco.is_active = False
    marco.save()
    assert "ultimo post" not in client_for(giulia).get("/feed/").content.decode()


@pytest.mark.parametrize("cursor", ["garbage", "2026-01-01T00:00:00~x", "2026-01-01T00:00:00~3"])
def test_forged_cursor_is_a_bad_request(client_for, giulia, cursor):
    assert client_for(giulia).get("/feed/", {"after": cursor}).status_code == 400


def test_feed_query_count_is_pinned(client_for, giulia, make_member, django_assert_num_queries):
    authors = [make_member() for _ in range(8)]
    for author in authors:
        do_follow(giulia, member=author)
    Post.objects.bulk_create([Post(author=authors[n % 8], body=f"post {n}") for n in range(60)])
    client = client_for(giulia)
    client.get("/feed/")
    # session + member; the followed sources, the newest posts of the followed authors,
    # the page's posts, their reactions; the post form's companies and spaces, the
    # spaces to follow, the unread badge, the member's projects (none here: +1 for their
    # lines when there are; projects/tests/test_feed.py). (+1 with followed companies, +1
    # per space.)
    with django_assert_num_queries(11):
        response = client.get("/feed/")
    assert len(response.context["page"].posts) == 20


def test_directory_filters_and_query_count(
    client_for, giulia, marco, sara, make_member, django_assert_num_queries
):
    for _ in range(30):
        make_member()
    client = client_for(giulia)
    # session + member, count, page, companies of the page, top skills of the page,
    # whose presence the viewer may see of the page, who of them is on a call,
    # the skills and the free tags of the filter, badge.
    with django_assert_num_queries(11):
        response = client.get("/members/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 36
    names = [m.pk for m in client.get("/members/", {"q": "Colombo"}).context["page"].object_list]
    assert names == [marco.pk]
    in_company = client.get("/members/", {"company": "panificio-bianchi"}).context["page"]
    assert [m.pk for m in in_company.object_list] == [sara.pk]
    by_name = client.get("/members/", {"company": "studio ross"}).context["page"]
    assert {m.pk for m in by_name.object_list} == {giulia.pk, marco.pk}


def test_directory_hides_deactivated_members(client_for, giulia, marco):
    marco.is_active = False
    marco.save()
    page = client_for(giulia).get("/members/", {"q": "Colombo"}).context["page"]
    assert list(page.object_list) == []


def test_profile_page(client_for, giulia, marco):
    do_create_post(marco, "Il mio primo post")
    response = client_for(giulia).get(f"/members/{marco.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Marco Colombo" in content
    assert "Il mio primo post" in content
    assert "Studio Rossi" in content


def test_profile_of_missing_or_deactivated_member_is_404(client_for, giulia, marco):
    marco.is_active = False
    marco.save()
    assert client_for(giulia).get(f"/members/{marco.pk}/").status_code == 404
    assert client_for(giulia).get("/members/999999/").status_code == 404


def test_profile_hides_posts_the_viewer_may_not_see(client_for, marco, sara, studio_rossi):
    do_create_post(marco, "interno", visibility=Visibility.COMPANY, company=studio_rossi)
    content = client_for(sara).get(f"/members/{marco.pk}/").content.decode()
    assert "interno" not in content


def test_follow_and_unfollow(client_for, giulia, marco):
    client = client_for(giulia)
    client.post(f"/members/{marco.pk}/follow/")
    assert Follow.objects.filter(follower=giulia, member=marco).exists()
    assert Notification.objects.filter(recipient=marco, kind="social.follow").exists()
    client.post(f"/members/{marco.pk}/follow/", {"unfollow": "1"})
    assert not Follow.objects.filter(follower=giulia, member=marco).exists()


def test_cannot_follow_yourself(client_for, giulia):
    assert client_for(giulia).post(f"/members/{giulia.pk}/follow/").status_code == 400
    assert not Follow.objects.exists()


def test_follow_company_and_space(client_for, giulia, panificio, san_salvario):
    client = client_for(giulia)
    client.post("/follows/companies/panificio-bianchi/")
    client.post("/follows/spaces/san-salvario/")
    assert Follow.objects.filter(follower=giulia, company=panificio).exists()
    assert Follow.objects.filter(follower=giulia, space=san_salvario).exists()
    assert client.post("/follows/companies/nope/").status_code == 404


def test_comment_and_react(client_for, giulia, marco):
    post = do_create_post(marco, "Nuovo progetto")
    client = client_for(giulia)
    client.post(f"/posts/{post.pk}/comments/", {"body": "Complimenti!"})
    client.post(f"/posts/{post.pk}/react/", {"kind": "celebrate"})
    post.refresh_from_db()
    assert post.comment_count == 1
    assert post.reaction_count == 1
    assert Notification.objects.filter(recipient=marco, kind="social.comment").exists()
    # A second kind replaces the first; the same kind again takes it back.
    client.post(f"/posts/{post.pk}/react/", {"kind": "insightful"})
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["insightful"]
    client.post(f"/posts/{post.pk}/react/", {"kind": "insightful"})
    post.refresh_from_db()
    assert post.reaction_count == 0
    assert not Reaction.objects.exists()


def test_bad_comment_and_reaction_change_nothing(client_for, giulia, marco):
    post = do_create_post(marco, "Nuovo progetto")
    client = client_for(giulia)
    assert client.post(f"/posts/{post.pk}/comments/", {"body": "  "}).status_code == 400
    assert client.post(f"/posts/{post.pk}/react/", {"kind": "angry"}).status_code == 400
    post.refresh_from_db()
    assert (post.comment_count, post.reaction_count) == (0, 0)
    assert not Comment.objects.exists()
    assert not Reaction.objects.exists()


def test_a_refused_reaction_is_answered_by_the_error_page_or_json(client_for, giulia, marco):
    post = do_create_post(marco, "Nuovo progetto")
    client = client_for(giulia)
    page = client.post(f"/posts/{post.pk}/react/", {"kind": "angry"})
    assert page.status_code == 400
    assert '<p id="error-message">Unknown reaction.</p>' in page.content.decode()
    fetched = client.post(
        f"/posts/{post.pk}/react/", {"kind": "angry"}, headers={"Accept": "application/json"}
    )
    assert fetched.status_code == 400
    assert fetched.json() == {"code": "INVALID_INPUT", "message": "Unknown reaction."}


def test_no_comment_or_reaction_on_invisible_posts(client_for, giulia, sara, studio_rossi):
    post = do_create_post(giulia, "interno", visibility=Visibility.COMPANY, company=studio_rossi)
    client = client_for(sara)
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    assert client.post(f"/posts/{post.pk}/comments/", {"body": "ciao"}).status_code == 404
    assert client.post(f"/posts/{post.pk}/react/", {"kind": "like"}).status_code == 404
    assert not Comment.objects.exists()


def test_only_the_author_deletes_a_post(client_for, giulia, marco):
    post = do_create_post(giulia, "da cancellare")
    assert client_for(marco).post(f"/posts/{post.pk}/delete/").status_code == 404
    assert Post.objects.filter(pk=post.pk).exists()
    assert client_for(giulia).post(f"/posts/{post.pk}/delete/").status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()


def test_direct_messages_flow(client_for, giulia, marco):
    client = client_for(giulia)
    response = client.post("/messages/new/", {"with": marco.pk})
    conversation = Conversation.objects.get()
    assert response["Location"] == reverse("social:conversation", args=[conversation.pk])
    # Starting again reuses the conversation of the pair.
    client.post("/messages/new/", {"with": marco.pk})
    assert Conversation.objects.count() == 1
    response = client.post(
        f"/messages/{conversation.pk}/",
        {"body": "Ciao Marco"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 201
    assert Notification.objects.filter(recipient=marco, kind="social.message").count() == 1
    do_send_message(giulia, conversation, "Ci sei?")
    # Still one unread notification for the conversation: no flood.
    assert Notification.objects.filter(recipient=marco, kind="social.message").count() == 1
    inbox = client_for(marco).get("/messages/").content.decode()
    assert "Ci sei?" in inbox
    page = client_for(marco).get(f"/messages/{conversation.pk}/").content.decode()
    assert "Ciao Marco" in page
    assert not Notification.objects.filter(recipient=marco, read_at__isnull=True).exists()


def test_outsider_cannot_read_or_write_a_conversation(client_for, giulia, marco, sara):
    conversation = check_start_conversation(giulia, [marco])
    do_send_message(giulia, conversation, "privato")
    client = client_for(sara)
    assert client.get(f"/messages/{conversation.pk}/").status_code == 404
    assert client.post(f"/messages/{conversation.pk}/", {"body": "ciao"}).status_code == 404
    assert Message.objects.count() == 1
    assert "privato" not in client.get("/messages/").content.decode()


def test_bad_messages_change_nothing(client_for, giulia, marco):
    conversation = check_start_conversation(giulia, [marco])
    client = client_for(giulia)
    for body in ("", "   ", "x" * 5001):
        response = client.post(
            f"/messages/{conversation.pk}/", {"body": body}, headers={"accept": "application/json"}
        )
        assert response.status_code == 400
    assert not Message.objects.exists()
    assert client.post("/messages/new/", {"with": "abc"}).status_code == 404
    assert client.post("/messages/new/", {"with": giulia.pk}).status_code == 400


def test_group_conversation(client_for, giulia, marco, sara):
    response = client_for(giulia).post(
        "/messages/new/",
        {"members": [marco.pk, sara.pk], "title": "Pranzo", "body": "Venerdì?"},
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.participants.count() == 3
    assert conversation.title == "Pranzo"
    assert Message.objects.get().body == "Venerdì?"


def test_inbox_query_count(client_for, giulia, make_member, django_assert_num_queries):
    for _ in range(10):
        other = make_member()
        do_send_message(other, check_start_conversation(other, [giulia]), "ciao")
    client = client_for(giulia)
    # session + member, conversations, their participants, badge.
    with django_assert_num_queries(5):
        response = client.get("/messages/")
    assert len(response.context["conversations"]) == 10


def test_italian_feed(client_for, giulia):
    response = client_for(giulia).get("/feed/", headers={"accept-language": "it"})
    assert "Pubblica" in response.content.decode()


def test_feed_sidebar_follows_spaces(client_for, giulia, san_salvario):
    client = client_for(giulia)
    assert "spaces-to-follow" in client.get("/feed/").content.decode()
    client.post("/follows/spaces/san-salvario/", {"next": "/feed/"})
    spaces = {space.slug: space.followed for space in client.get("/feed/").context["spaces"]}
    assert spaces["san-salvario"] is True
    assert spaces["navigli"] is False


def test_profile_shows_company_follow_state(client_for, sara, giulia, studio_rossi):
    client = client_for(sara)
    client.post("/follows/companies/studio-rossi/")
    assert "Unfollow company" in client.get(f"/members/{giulia.pk}/").content.decode()


def test_directory_filters_by_skill(client_for, giulia, marco, sara):
    from officina.skills.actions import check_add_member_skill
    from officina.skills.kinds import SkillKind
    from officina.skills.models import Skill

    carpentry = Skill.objects.create(
        slug="carpentry", name_en="Carpentry", name_it="Falegnameria", category="making"
    )
    check_add_member_skill(marco, carpentry, SkillKind.OFFER)
    check_add_member_skill(marco, carpentry, SkillKind.SKILL)
    check_add_member_skill(sara, carpentry, SkillKind.NEED)
    response = client_for(giulia).get("/members/", {"skill": "carpentry"})
    # Once each, whatever the number of matching rows, by surname.
    assert [m.pk for m in response.context["page"].object_list] == [sara.pk, marco.pk]
    assert '<option value="carpentry" selected>' in response.content.decode()


def test_profile_queries_do_not_grow_with_content(client_for, giulia, marco, make_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from officina.skills.actions import check_add_member_skill, check_endorse
    from officina.skills.kinds import SkillKind
    from officina.skills.models import Skill

    client = client_for(giulia)

    def profile_queries() -> int:
        client.get(f"/members/{marco.pk}/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/members/{marco.pk}/").status_code == 200
        return len(captured.captured_queries)

    do_create_post(marco, "uno")
    before = profile_queries()
    for n in range(8):
        do_create_post(marco, f"post {n}")
        skill = Skill.objects.create(
            slug=f"s{n}", name_en=f"S{n}", name_it=f"S{n}", category="data"
        )
        row = check_add_member_skill(marco, skill, SkillKind.SKILL)
        check_endorse(make_member(), row)
    assert profile_queries() == before


def test_comment_deletion_rights(client_for, giulia, marco, sara):
    from officina.social.actions import check_add_comment

    post = do_create_post(giulia, "Chi c'è a pranzo?")
    by_marco = check_add_comment(marco, post, "Io!")
    by_sara = check_add_comment(sara, post, "Anch'io")
    url = f"/posts/{post.pk}/comments/{{}}/delete/"
    # Neither a third member nor a wrong post path can delete it.
    assert client_for(sara).post(url.format(by_marco.pk)).status_code == 404
    other_post = do_create_post(marco, "altro")
    wrong_path = f"/posts/{other_post.pk}/comments/{by_marco.pk}/delete/"
    assert client_for(marco).post(wrong_path).status_code == 404
    assert Comment.objects.count() == 2
    # Its author can, and so can the post's author.
    assert client_for(marco).post(url.format(by_marco.pk)).status_code == 302
    assert client_for(giulia).post(url.format(by_sara.pk)).status_code == 302
    assert not Comment.objects.exists()
    post.refresh_from_db()
    assert post.comment_count == 0


def test_profile_shows_how_members_can_help_each_other(client_for, giulia, marco):
    from officina.skills.actions import check_add_member_skill
    from officina.skills.kinds import SkillKind
    from officina.skills.models import Skill

    tax = Skill.objects.create(slug="tax", name_en="Tax", name_it="Fisco", category="business")
    seo = Skill.objects.create(slug="seo", name_en="SEO", name_it="SEO", category="marketing")
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(marco, tax, SkillKind.OFFER)
    check_add_member_skill(marco, seo, SkillKind.NEED)
    check_add_member_skill(giulia, seo, SkillKind.SKILL)
    response = client_for(giulia).get(f"/members/{marco.pk}/")
    mutual = response.context["mutual"]
    assert [s.slug for s in mutual.they_can_help] == ["tax"]
    assert [s.slug for s in mutual.you_can_help] == ["seo"]
    assert "How you can help each other" in response.content.decode()
    directory = client_for(giulia).get("/members/", {"q": "Colombo"})
    assert [s.slug for s in directory.context["page"].object_list[0].top_skills] == ["tax"]


def test_posting_and_messaging_are_rate_limited(client_for, giulia, marco, monkeypatch):
    from officina.social import ratelimits

    monkeypatch.setattr(ratelimits, "POSTS_PER_HOUR", 2)
    monkeypatch.setattr(ratelimits, "MESSAGES_PER_MINUTE", 2)
    client = client_for(giulia)
    for n in range(2):
        assert (
            client.post("/feed/", {"body": f"post {n}", "audience": "community"}).status_code == 302
        )
    response = client.post("/feed/", {"body": "uno di troppo", "audience": "community"})
    assert response.status_code == 429
    assert "please wait" in response.content.decode()
    assert Post.objects.count() == 2
    conversation = check_start_conversation(giulia, [marco])
    url = f"/messages/{conversation.pk}/"
    json = {"accept": "application/json"}
    for n in range(2):
        assert client.post(url, {"body": f"m{n}"}, headers=json).status_code == 201
    assert client.post(url, {"body": "troppo"}, headers=json).status_code == 429
    assert Message.objects.count() == 2


def test_reactions_notify_the_author_once_until_read(client_for, giulia, marco, sara):
    post = do_create_post(giulia, "Nuovo ufficio!")
    client_for(marco).post(f"/posts/{post.pk}/react/", {"kind": "celebrate"})
    client_for(sara).post(f"/posts/{post.pk}/react/", {"kind": "like"})
    client_for(giulia).post(f"/posts/{post.pk}/react/", {"kind": "like"})  # own: no notification
    notes = Notification.objects.filter(recipient=giulia, kind="social.reaction")
    assert [n.shown_text for n in notes] == ["Marco Colombo reacted to your post."]


def test_own_profile_lists_next_steps(client_for, giulia, marco):
    response = client_for(giulia).get(f"/members/{giulia.pk}/")
    labels = [label for label, _url in response.context["next_steps"]]
    assert "Write a headline" in labels and "Follow three people" in labels
    client_for(giulia).post(
        "/profile/edit/", {"headline": "Architetta", "bio": "Ciao", "links": ""}
    )
    labels = [
        label
        for label, _url in client_for(giulia).get(f"/members/{giulia.pk}/").context["next_steps"]
    ]
    assert "Write a headline" not in labels and "Tell people about yourself" not in labels
    # Nobody else sees them.
    assert client_for(marco).get(f"/members/{giulia.pk}/").context["next_steps"] == []


def test_space_managers_moderate_their_space(client_for, giulia, marco, luca, sara, navigli):
    from officina.social.actions import check_add_comment

    in_space = do_create_post(marco, "Vendo bici", visibility=Visibility.SPACE, space=navigli)
    comment = check_add_comment(giulia, in_space, "Quanto?")
    elsewhere = do_create_post(marco, "Fuori dallo spazio")
    # Luca manages Navigli: he may remove what is posted there, nothing else.
    assert "Delete post" in client_for(luca).get(f"/posts/{in_space.pk}/").content.decode()
    url = f"/posts/{in_space.pk}/comments/{comment.pk}/delete/"
    assert client_for(luca).post(url).status_code == 302
    assert client_for(luca).post(f"/posts/{elsewhere.pk}/delete/").status_code == 404
    assert client_for(luca).post(f"/posts/{in_space.pk}/delete/").status_code == 302
    assert list(Post.objects.all()) == [elsewhere]
    # A plain member of the space may not.
    other = do_create_post(marco, "Altro", visibility=Visibility.SPACE, space=navigli)
    assert client_for(giulia).post(f"/posts/{other.pk}/delete/").status_code == 404
    assert "Delete post" not in client_for(giulia).get(f"/posts/{other.pk}/").content.decode()


def test_only_the_author_edits_a_post(client_for, giulia, marco):
    post = do_create_post(giulia, "Prima versione")
    assert client_for(marco).get(f"/posts/{post.pk}/edit/").status_code == 404
    assert client_for(marco).post(f"/posts/{post.pk}/edit/", {"body": "hack"}).status_code == 404
    client = client_for(giulia)
    assert client.post(f"/posts/{post.pk}/edit/", {"body": "   "}).status_code == 400
    post.refresh_from_db()
    assert (post.body, post.edited_at) == ("Prima versione", None)
    assert client.post(f"/posts/{post.pk}/edit/", {"body": "Seconda versione"}).status_code == 302
    post.refresh_from_db()
    assert post.body == "Seconda versione" and post.edited_at is not None
    assert "edited" in client.get(f"/posts/{post.pk}/").content.decode()


def test_a_newcomers_feed_opens_on_everyones_posts(client_for, giulia, make_member):
    from officina.social.actions import check_create_post

    check_create_post(giulia, "Welcome to the community!")
    newcomer = make_member()
    response = client_for(newcomer).get("/feed/")
    assert response.status_code == 200 and response.context["which"] == "community"
    page = response.content.decode()
    assert "Welcome to the community!" in page and "You follow nobody yet" in page
    # Once the feed has something (here one's own post), it is the feed.
    assert client_for(giulia).get("/feed/").context["which"] == "feed"
