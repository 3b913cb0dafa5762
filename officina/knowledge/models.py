"""Questions and answers: members ask, others answer, the asker accepts the answer that helped.

``score`` and ``answer_count`` are kept on the rows by the actions (in the
same transaction as the vote or the answer) because the list pages sort and
filter on them: counting votes on every page view would not scale.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .kinds import Visibility


class Question(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), max_length=10_000)
    tags = models.ManyToManyField(
        "skills.Skill", related_name="questions", blank=True, verbose_name=_("skills")
    )
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.COMMUNITY
    )
    space = models.ForeignKey(
        "accounts.Space",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("space"),
    )
    accepted_answer = models.OneToOneField(
        "Answer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted answer"),
    )
    score = models.IntegerField(_("score"), default=0)
    answer_count = models.PositiveIntegerField(_("answers"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(visibility="community") & Q(space__isnull=True))
                | (Q(visibility="space") & Q(space__isnull=False)),
                name="question_space_matches_visibility",
            )
        ]
        indexes = [
            models.Index(fields=["visibility", "-created_at"], name="question_visible_recent"),
            models.Index(fields=["space", "-created_at"], name="question_space_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:question", args=[self.pk])


class Answer(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("author"),
    )
    body = models.TextField(_("answer"), max_length=10_000)
    score = models.IntegerField(_("score"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ("-score", "created_at", "id")
        indexes = [
            models.Index(fields=["question", "-score"], name="answer_question_score"),
            # Who answered lately (expert finding) reads the last few months of answers.
            models.Index(fields=["created_at", "author", "question"], name="answer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.author} → {self.question}"

    def get_absolute_url(self) -> str:
        return f"{self.question.get_absolute_url()}#answer-{self.pk}"


class Vote(models.Model):
    """One member's up (+1) or down (-1) vote on a question or on an answer."""

    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="knowledge_votes",
        verbose_name=_("voter"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="votes"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="votes"
    )
    value = models.SmallIntegerField(_("value"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__in=[1, -1]), name="knowledge_vote_up_or_down"
            ),
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(answer__isnull=True))
                | (Q(question__isnull=True) & Q(answer__isnull=False)),
                name="knowledge_vote_one_target",
            ),
            models.UniqueConstraint(
                fields=["voter", "question"],
                condition=Q(question__isnull=False),
                name="one_vote_per_question",
            ),
            models.UniqueConstraint(
                fields=["voter", "answer"],
                condition=Q(answer__isnull=False),
                name="one_vote_per_answer",
            ),
        ]

    def __str__(self) -> str:
        target = self.question or self.answer
        return f"{self.voter} {self.value:+d} {target}"
