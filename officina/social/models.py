"""Profiles, follows, posts with comments and reactions, direct messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import ReactionKind, Visibility


class Profile(models.Model):
    """What a member tells the community about themselves."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("member"),
    )
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    bio = models.TextField(_("about me"), max_length=4000, blank=True)
    # A short list of absolute http(s) URLs, validated by the profile form.
    links = models.JSONField(_("links"), default=list, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    avatar_thumbnail = models.ImageField(_("avatar thumbnail"), upload_to="avatars/", blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.member)

    @property
    def avatar_version(self) -> str:
        """Changes with every new avatar (its file name carries a random token)."""
        name = self.avatar_thumbnail.name or ""
        return name.rsplit("/", 1)[-1].removesuffix("-thumb.jpg").removesuffix(".jpg") or "none"


class Follow(models.Model):
    """A member following exactly one of: a member, a company, a space."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="follows",
        verbose_name=_("follower"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("member"),
    )
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("company"),
    )
    space = models.ForeignKey(
        "accounts.Space",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("space"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(member__isnull=False, company__isnull=True, space__isnull=True)
                    | Q(member__isnull=True, company__isnull=False, space__isnull=True)
                    | Q(member__isnull=True, company__isnull=True, space__isnull=False)
                ),
                name="follow_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(member=models.F("follower")), name="follow_not_yourself"
            ),
            models.UniqueConstraint(
                fields=["follower", "member"],
                condition=Q(member__isnull=False),
                name="follow_member_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "company"],
                condition=Q(company__isnull=False),
                name="follow_company_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "space"],
                condition=Q(space__isnull=False),
                name="follow_space_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower} → {self.member or self.company or self.space}"


class Post(models.Model):
    """A post: to the whole community, or only to a space's or a company's members.

    A community post may still belong to a company or a space (their public news):
    that is how followers of a company or a space see it in their feed.
    """

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="posts",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"), max_length=5000)
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.COMMUNITY
    )
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("company"),
    )
    space = models.ForeignKey(
        "accounts.Space",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("space"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Kept by the actions so that a feed page needs no aggregate over comments/reactions.
    comment_count = models.PositiveIntegerField(default=0)
    reaction_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(visibility="space") | Q(space__isnull=False),
                name="space_post_has_space",
            ),
            models.CheckConstraint(
                condition=~Q(visibility="company") | Q(company__isnull=False),
                name="company_post_has_company",
            ),
        ]
        # The feed walks these newest-first, by (created_at, id) keyset.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="post_recent"),
            models.Index(fields=["author", "-created_at", "-id"], name="post_author_recent"),
            models.Index(fields=["company", "-created_at", "-id"], name="post_company_recent"),
            models.Index(fields=["space", "-created_at", "-id"], name="post_space_recent"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Comment(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="comments", verbose_name=_("post")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["post", "created_at", "id"], name="comment_by_post")]

    def __str__(self) -> str:
        return self.body[:60]


REACTION_SYMBOLS = {
    ReactionKind.LIKE: "👍",
    ReactionKind.CELEBRATE: "🎉",
    ReactionKind.INSIGHTFUL: "💡",
    ReactionKind.SUPPORT: "🤝",
    ReactionKind.FUNNY: "😄",
}


class Reaction(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("post")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reactions",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("reaction"), max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="one_reaction_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} {self.post_id}"


class Conversation(models.Model):
    """Direct messages between two or more members."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    # "<low id>:<high id>" for two-person conversations: at most one per pair of members.
    pair_key = models.CharField(max_length=50, null=True, blank=True, unique=True)
    title = models.CharField(_("title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class ConversationMember(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("conversation"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversation_memberships",
        verbose_name=_("member"),
    )
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "member"], name="one_participation_per_member"
            )
        ]
        indexes = [models.Index(fields=["member", "conversation"], name="participant_member")]

    def __str__(self) -> str:
        return f"{self.member} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messages_sent",
        verbose_name=_("sender"),
    )
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ("created_at", "id")
        indexes = [
            models.Index(
                fields=["conversation", "created_at", "id"], name="message_by_conversation"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]
