from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from officina.social.templatetags.social_tags import ago


def test_ago():
    now = timezone.now()
    assert ago(now - timedelta(seconds=20)) == "just now"
    assert ago(now - timedelta(days=2, hours=4)) == "2\xa0days ago"
    with translation.override("it"):
        assert ago(now - timedelta(seconds=5)) == "proprio ora"
        assert ago(now - timedelta(hours=3, minutes=2)) == "3\xa0ore fa"
    assert ago(None) == ""


@pytest.mark.django_db
def test_follow_button_for_other_apps_pages(giulia, marco, panificio, navigli, rf):
    from django.template import Context, Template

    from officina.social.actions import do_follow

    do_follow(giulia, company=panificio)
    request = rf.get("/companies/panificio-bianchi/")
    request.user = giulia
    page = Template(
        "{% load social_tags %}{% follow_button company %}|{% follow_button space %}"
        "|{% follow_button other %}|{% follow_button me %}"
    ).render(
        Context(
            {
                "request": request,
                "company": panificio,
                "space": navigli,
                "other": marco,
                "me": giulia,
            }
        )
    )
    company_part, space_part, member_part, own_part = page.split("|")
    assert 'action="/follows/companies/panificio-bianchi/"' in company_part
    assert "Following" in company_part and 'name="unfollow"' in company_part
    assert 'action="/follows/spaces/navigli/"' in space_part and "unfollow" not in space_part
    assert f'action="/members/{marco.pk}/follow/"' in member_part
    assert own_part.strip() == ""  # nobody follows themselves


def test_post_text_escapes_and_links():
    from officina.social.templatetags.social_tags import post_text

    assert post_text("<b>ciao</b>\n\nsecondo") == "<p>&lt;b&gt;ciao&lt;/b&gt;</p>\n\n<p>secondo</p>"
    linked = post_text("Vedi https://officina.example/<x> ora")
    assert '<a href="https://officina.example/" rel="nofollow">' in linked
    assert "&lt;x&gt;" in linked and "<x>" not in linked


def test_reaction_buttons():
    from types import SimpleNamespace

    from officina.social.selectors import ReactionSummary
    from officina.social.templatetags.social_tags import reaction_buttons

    post = SimpleNamespace(
        reactions_summary=[
            ReactionSummary(kind="like", label="Like <3", symbol="👍", count=2, mine=True),
            ReactionSummary(kind="funny", label="Funny", symbol="😄", count=0, mine=False),
        ]
    )
    html = reaction_buttons(post)
    assert 'value="like" class="reaction mine"' in html and 'aria-pressed="true"' in html
    assert "Like &lt;3" in html and "<strong>2</strong>" in html
    assert 'value="funny" class="reaction"' in html and html.count("<strong>") == 1


@pytest.mark.django_db
def test_post_links_are_the_reversed_urls(client_for, giulia, marco):
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from officina.social.actions import do_create_post, get_or_create_profile
    from officina.social.templatetags.social_tags import post_links

    post = do_create_post(marco, body="Ciao")
    links = post_links(post)
    assert links.author == reverse("social:profile", args=[marco.pk])
    assert links.post == reverse("social:post", args=[post.pk])
    assert links.react == reverse("social:post_react", args=[post.pk])
    assert links.avatar == ""  # no profile yet

    profile = get_or_create_profile(marco)
    marco.profile = profile
    profile.avatar_thumbnail.save("avatars/3f9a2b-thumb.jpg", ContentFile(b"x"), save=True)
    links = post_links(post)
    assert links.avatar == reverse(
        "social:avatar", args=[marco.pk, "thumb", profile.avatar_version]
    )
    assert str(marco.pk) in links.avatar and profile.avatar_version in links.avatar


@pytest.mark.django_db
def test_post_card(giulia, marco, navigli, studio_rossi):
    from django.template import engines
    from django.test import RequestFactory
    from django.utils import translation

    from officina.social.actions import do_create_post, do_edit_post, do_update_profile
    from officina.social.selectors import community_page

    do_update_profile(giulia, headline="Architetta <& designer>", bio="", links=[])
    news = do_create_post(giulia, "Apriamo <b>domani</b>", company=studio_rossi)
    only_space = do_create_post(marco, "Solo per il Navigli", visibility="space", space=navigli)
    do_edit_post(only_space, "Solo per chi è al Navigli")
    cards = {post.pk: post for post in community_page(giulia).posts}
    request = RequestFactory().get("/feed/?a=<1>")
    request.user = giulia
    card = engines["django"].from_string("{% load social_tags %}{% post_card post %}")

    html = card.render({"post": cards[news.pk]}, request)
    assert f'<article class="card post" id="post-{news.pk}"' in html
    assert "· Architetta &lt;&amp; designer&gt;" in html
    assert "<p>Apriamo &lt;b&gt;domani&lt;/b&gt;</p>" in html
    assert "· community · news of Studio Rossi" in html and "edited" not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="next" value="/feed/?a=%3C1%3E#post-{news.pk}"' in html
    assert ">0 comments</a>" in html
    with translation.override("it"):
        html = card.render({"post": cards[only_space.pk]}, request)
    assert "· membri di Officina Navigli" in html and ">modificato</span>" in html
    assert ">0 commenti</a>" in html and "proprio ora" in html
