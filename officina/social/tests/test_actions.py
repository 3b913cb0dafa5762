"""The bulk forms of the social actions: checked like the single ones, all or nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification
from officina.social.actions import (
    CommentDraft,
    PostDraft,
    ReactionDraft,
    check_add_comments,
    check_add_reactions,
    check_create_posts,
    check_follow_many,
    check_react,
    check_send_message,
    check_start_conversation,
)
from officina.social.kinds import Visibility
from officina.social.models import Comment, Follow, Message, Post, Reaction

pytestmark = pytest.mark.django_db


def test_posts_in_bulk_keep_their_audience_and_their_dates(giulia, sara, navigli, studio_rossi):
    yesterday = timezone.now() - timedelta(days=1)
    posts = check_create_posts(
        [
            PostDraft(giulia, " Buongiorno ", at=yesterday),
            PostDraft(giulia, "Solo Navigli", Visibility.SPACE, space=navigli),
            PostDraft(giulia, "Dallo studio", Visibility.COMPANY, company=studio_rossi),
            PostDraft(sara, "Pane fresco"),
        ]
    )
    assert [post.body for post in posts] == [
        "Buongiorno",
        "Solo Navigli",
        "Dallo studio",
        "Pane fresco",
    ]
    assert Post.objects.get(pk=posts[0].pk).created_at == yesterday
    assert Post.objects.get(pk=posts[1].pk).created_at > yesterday
    assert Post.objects.get(pk=posts[2].pk).company == studio_rossi


@pytest.mark.parametrize(
    "bad",
    [
        {"body": "  "},
        {"body": "x" * 5001},
        {"visibility": "everyone"},
        {"visibility": Visibility.SPACE},
        {"space": "san_salvario"},
        {"company": "panificio"},
    ],
)
def test_one_bad_post_publishes_none(giulia, san_salvario, panificio, bad):
    objects = {"san_salvario": san_salvario, "panificio": panificio}
    fields = {key: objects.get(value, value) for key, value in bad.items()}
    with pytest.raises(OfficinaError) as caught:
        check_create_posts(
            [PostDraft(giulia, "Buongiorno"), PostDraft(giulia, **{"body": "Ciao"} | fields)]
        )
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert not Post.objects.exists()


def test_comments_in_bulk_are_counted_and_notified_at_their_time(giulia, marco, sara):
    post = check_create_posts([PostDraft(giulia, "Chi viene a pranzo?")])[0]
    an_hour_ago = timezone.now() - timedelta(hours=1)
    comments = check_add_comments(
        [
            CommentDraft(marco, post, " Io! ", at=an_hour_ago),
            CommentDraft(sara, post, "Anch'io"),
            CommentDraft(giulia, post, "Perfetto"),
        ]
    )
    assert [comment.body for comment in comments] == ["Io!", "Anch'io", "Perfetto"]
    assert Comment.objects.get(pk=comments[0].pk).created_at == an_hour_ago
    post.refresh_from_db()
    assert post.comment_count == 3
    told = Notification.objects.filter(recipient=giulia, kind="social.comment")
    assert sorted(told.values_list("actor__first_name", flat=True)) == ["Marco", "Sara"]
    assert told.get(actor=marco).created_at == an_hour_ago
    with pytest.raises(OfficinaError):
        check_add_comments([CommentDraft(marco, post, "Ancora"), CommentDraft(sara, post, " ")])
    assert Comment.objects.count() == 3


def test_reactions_in_bulk_keep_one_per_member_and_notify_once(giulia, marco, sara, luca):
    post = check_create_posts([PostDraft(giulia, "Nuovo sito online!")])[0]
    check_react(luca, post, "like")
    added = check_add_reactions(
        [
            ReactionDraft(member, post, kind)
            for member, kind in [
                (marco, "celebrate"),
                (sara, "like"),
                (luca, "funny"),
                (marco, "like"),
            ]
        ]
    )
    assert [(r.member, r.kind) for r in added] == [(marco, "celebrate"), (sara, "like")]
    assert Reaction.objects.get(post=post, member=luca).kind == "like"
    post.refresh_from_db()
    assert post.reaction_count == 3
    assert Notification.objects.filter(recipient=giulia, kind="social.reaction").count() == 1
    with pytest.raises(OfficinaError):
        check_add_reactions(
            [ReactionDraft(giulia, post, "like"), ReactionDraft(giulia, post, "shrug")]
        )
    assert Reaction.objects.count() == 3


def test_reactions_in_bulk_to_several_posts_count_and_notify_per_post(giulia, marco, sara):
    hers, his = check_create_posts([PostDraft(giulia, "Nuovo sito!"), PostDraft(marco, "Pane!")])
    check_add_reactions(
        [
            ReactionDraft(marco, hers, "like"),
            ReactionDraft(sara, hers, "celebrate"),
            ReactionDraft(marco, his, "like"),  # his own post: counted, not notified
            ReactionDraft(sara, his, "like"),
        ]
    )
    hers.refresh_from_db()
    his.refresh_from_db()
    assert (hers.reaction_count, his.reaction_count) == (2, 2)
    assert Notification.objects.filter(recipient=giulia, kind="social.reaction").count() == 1
    assert Notification.objects.filter(recipient=marco, kind="social.reaction").count() == 0


def test_following_many_skips_what_is_followed_and_not_oneself(
    giulia, marco, sara, navigli, studio_rossi
):
    check_follow_many(giulia, [marco])
    follows = check_follow_many(giulia, [marco, sara, studio_rossi, navigli])
    assert len(follows) == 3
    assert Follow.objects.filter(follower=giulia).count() == 4
    assert Notification.objects.filter(recipient=sara, kind="social.follow").count() == 1
    with pytest.raises(OfficinaError):
        check_follow_many(giulia, [sara, giulia])


def test_a_message_may_be_back_dated(giulia, marco):
    conversation = check_start_conversation(giulia, [marco])
    last_week = timezone.now() - timedelta(days=7)
    message = check_send_message(giulia, conversation, "Ciao!", at=last_week)
    assert Message.objects.get(pk=message.pk).created_at == last_week
    conversation.refresh_from_db()
    assert conversation.last_message_at == last_week
