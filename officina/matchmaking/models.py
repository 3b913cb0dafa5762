"""The expert index: what each member's evidence says, kept per member so that a change
to one member rewrites only that member's rows; and invitations to answer a question.

A member's evidence is their profile, their listed skills and endorsements, and the
community questions they answered (title, details, tags) with their answers' text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceTerm(models.Model):
    """How many times a word stem occurs in one member's evidence."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=40)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "member"], name="one_evidence_term_per_member")
        ]
        indexes = [models.Index(fields=["member"], name="evidence_term_member")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.term} ×{self.count}"


class EvidenceSkill(models.Model):
    """One member and one skill: how strongly they claim it (``weight``: listed, endorsed,
    written about), what they showed (answers on it, and how many were accepted), and
    the ``strength`` the finder ranks by, computed from those three when the row is
    written, so that a skill's strongest holders are read first from an index."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey("skills.Skill", on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField()
    answers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    strength = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["skill", "member"], name="one_evidence_skill_per_member"
            )
        ]
        indexes = [
            models.Index(fields=["member"], name="evidence_skill_member"),
            models.Index(fields=["skill", "-strength"], name="evidence_skill_strongest"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: skill {self.skill_id} ({self.weight:.2f})"


class EvidenceSize(models.Model):
    """The length of a member's evidence in terms (BM25 needs it) and their answer counts."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    length = models.PositiveIntegerField()
    answers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.member_id}: {self.length} terms"


class AnswerInvitation(models.Model):
    """The asker invited a member to answer their question (once per member)."""

    question = models.ForeignKey(
        "knowledge.Question",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("question"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("invited member"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation to answer")
        verbose_name_plural = _("invitations to answer")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "member"], name="one_answer_invitation_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → question {self.question_id}"
