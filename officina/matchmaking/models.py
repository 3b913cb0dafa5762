"""The expert index: what each member's evidence says, kept per member so that a change
to one member rewrites only that member's rows; and invitations to answer a question.

A member's evidence is their profile, their listed skills and endorsements, and the
community questions they answered (title, details, tags) with their answers' text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import IntroductionStatus, MeetSide


class EvidenceTerm(models.Model):
    """How many times a word stem occurs in one member's evidence."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=40)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "member"], name="one_evidence_term_per_member")
        ]
        indexes = [
            models.Index(fields=["member"], name="evidence_term_member"),
            # A word's postings with their counts, read as one index range: BM25 sums
            # thousands of them per question without a lookup of each row.
            models.Index(fields=["term", "member", "count"], name="evidence_term_postings"),
        ]

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


class EvidenceVector(models.Model):
    """The semantic extra's index: one piece of a member's evidence as an embedding (the
    profile with the skills they list: ``question`` 0; an answer: the id of the
    question it answers), with the digest of the text it was made from, so that a
    re-index embeds only the pieces that changed. Empty when the extra is not installed."""

    PROFILE = 0

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.PositiveBigIntegerField()
    accepted = models.BooleanField(default=False)
    digest = models.CharField(max_length=32)
    vector = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "question"], name="one_evidence_vector_per_piece"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: piece {self.question}"


class TermMembers(models.Model):
    """How many members' evidence holds a word stem (BM25's document frequency).

    Kept by ``do_index_members`` as it rewrites members' rows, so that ranking reads one
    row per query word instead of counting a word's postings, which for a common word
    is a scan of thousands of index entries on every question."""

    term = models.CharField(max_length=40, primary_key=True)
    # Signed: the counts are changed by adding differences, and an INSERT of a
    # negative difference is checked before it turns into the UPDATE it is.
    members = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.term}: {self.members} members"


class SkillHolders(models.Model):
    """How many members hold a skill in the index (a strength above zero): the skills
    graph weighs a skill by its rarity, and counting its holders per question was a
    scan of every holder's row."""

    skill = models.OneToOneField(
        "skills.Skill", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    members = models.IntegerField()  # signed, as TermMembers.members

    def __str__(self) -> str:
        return f"skill {self.skill_id}: {self.members} holders"


class MeetHolders(models.Model):
    """How many members list a skill for people to meet, on any side (offer, knows,
    need, interest): people to meet weigh a skill by its rarity, and counting its
    listers per page was a scan of thousands of ``MeetTag`` rows. Kept with the rows."""

    skill = models.OneToOneField(
        "skills.Skill", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    members = models.IntegerField()  # signed, as TermMembers.members

    def __str__(self) -> str:
        return f"skill {self.skill_id}: {self.members} listing it"


class IndexTotals(models.Model):
    """The index's totals, one row: how many members have evidence and the sum of
    their evidence lengths (BM25's collection size and average length), instead of an
    aggregate over every member per question. Each re-index adds its difference to this
    one row: on PostgreSQL two re-indexes wait for each other here, which is short."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    members = models.PositiveIntegerField(default=0)
    length = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.members} members, {self.length} terms"


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


# People to meet -----------------------------------------------------------------------


class MeetTag(models.Model):
    """One member's listing of one skill as people-to-meet reads it: what they offer or
    know (with how strongly: level, endorsements), need, or are interested in. Kept per
    member with the expert index, so a profile change rewrites that member's rows only;
    indexed by skill and side so the strongest holders are read first."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey("skills.Skill", on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=10, choices=MeetSide.choices)
    weight = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "skill", "side"], name="one_meet_tag_per_side"
            )
        ]
        indexes = [
            models.Index(fields=["skill", "side", "-weight", "member"], name="meet_tag_strongest"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.side} {self.skill_id}"


class Shown(models.Model):
    """A member was shown to ``viewer`` as someone to meet (the last time): how often a
    member is shown, by how many people, damps their next suggestions."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["viewer", "member"], name="one_shown_per_viewer")
        ]
        indexes = [models.Index(fields=["member", "at"], name="shown_member_at")]

    def __str__(self) -> str:
        return f"{self.member_id} shown to {self.viewer_id}"


class DeclinedSuggestion(models.Model):
    """``member`` said "not now" to meeting ``other``: neither is suggested to the other
    again."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declined suggestion")
        verbose_name_plural = _("declined suggestions")
        constraints = [
            models.UniqueConstraint(fields=["member", "other"], name="one_decline_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} ✕ {self.other_id}"


class Introduction(models.Model):
    """A double opt-in introduction between two members: ``asked_by`` asked (and so
    accepted); when ``asked_of`` accepts too, a conversation with both is opened. Its
    ``reasons`` are data (a kind and its values, see ``reasons.py``), worded for each
    reader when read. Declining is quiet: the one who asked keeps seeing "asked"."""

    pair_key = models.CharField(max_length=41, unique=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("asked of"),
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=IntroductionStatus.choices,
        default=IntroductionStatus.PENDING,
    )
    conversation = models.ForeignKey(
        "social.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conversation"),
    )
    meet_space = models.ForeignKey(
        "accounts.Space",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested place"),
    )
    meet_at = models.DateTimeField(_("suggested time"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        indexes = [
            models.Index(fields=["asked_of", "status"], name="introduction_asked_of"),
            models.Index(fields=["asked_by", "status"], name="introduction_asked_by"),
        ]

    def __str__(self) -> str:
        return f"{self.asked_by_id} → {self.asked_of_id} ({self.status})"

    def other_than(self, member_id: int) -> int:
        return self.asked_of_id if member_id == self.asked_by_id else self.asked_by_id


class MeetFreeTag(models.Model):
    """One member's listing of a free tag as people-to-meet reads it, once per text the
    tag goes by (its own, then its synonyms), each folded as the skills app folds a tag
    (``key``: lower case, no accents): two members meet on a tag when one of its texts is
    one of the other's. ``text`` is the tag as the member wrote it, for the reason shown.
    Kept with the member's other rows."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey("skills.FreeTag", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    text = models.CharField(max_length=80)
    side = models.CharField(max_length=10, choices=MeetSide.choices)
    weight = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "tag", "side", "key"], name="one_meet_free_tag_per_side"
            )
        ]
        # Covering: people to meet count a text's listers and score their rows from the
        # index alone (a popular tag has thousands of rows, each a lookup otherwise).
        indexes = [
            models.Index(fields=["key", "side", "weight", "member"], name="meet_free_tag_listers")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.side} {self.text}"
