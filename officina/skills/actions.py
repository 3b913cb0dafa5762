"""Writes: a member's skills, endorsements, and evidence recorded by other apps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.actions import do_notify
from officina.skills.kinds import EvidenceSource, SkillKind, SkillLevel
from officina.skills.models import Endorsement, MemberSkill, Skill, SkillEvidence

if TYPE_CHECKING:
    from officina.accounts.models import Member

MAX_SKILLS_PER_KIND = 30


def check_add_member_skill(
    member: Member, skill: Skill, kind: str, *, level: int | None = None, note: str = ""
) -> MemberSkill:
    """Validate, then add ``skill`` to the member's list of ``kind`` (or update it)."""
    if kind not in SkillKind.values:
        raise OfficinaError(_("Unknown kind of skill."), ErrorCode.INVALID_INPUT)
    if level is not None and level not in SkillLevel.values:
        raise OfficinaError(_("Unknown level."), ErrorCode.INVALID_INPUT)
    if len(note) > 200:
        raise OfficinaError(
            _("The note is too long (200 characters at most)."), ErrorCode.INVALID_INPUT
        )
    existing = MemberSkill.objects.filter(member=member, skill=skill, kind=kind).first()
    if existing is None and (
        MemberSkill.objects.filter(member=member, kind=kind).count() >= MAX_SKILLS_PER_KIND
    ):
        raise OfficinaError(
            _("You already have %(count)d entries of this kind.") % {"count": MAX_SKILLS_PER_KIND},
            ErrorCode.CONFLICT,
        )
    return do_add_member_skill(member, skill, kind, level=level, note=note.strip())


@transaction.atomic
def do_add_member_skill(
    member: Member, skill: Skill, kind: str, *, level: int | None = None, note: str = ""
) -> MemberSkill:
    member_skill, _created = MemberSkill.objects.update_or_create(
        member=member, skill=skill, kind=kind, defaults={"level": level, "note": note}
    )
    return member_skill


@transaction.atomic
def do_remove_member_skill(member_skill: MemberSkill) -> None:
    member_skill.delete()


def check_endorse(endorser: Member, member_skill: MemberSkill) -> Endorsement:
    if member_skill.member_id == endorser.pk:
        raise OfficinaError(_("You cannot endorse yourself."), ErrorCode.INVALID_INPUT)
    if not member_skill.is_endorsable:
        raise OfficinaError(
            _("Only skills, talents and offers can be endorsed."), ErrorCode.INVALID_INPUT
        )
    if Endorsement.objects.filter(endorser=endorser, member_skill=member_skill).exists():
        raise OfficinaError(_("You already endorsed this skill."), ErrorCode.CONFLICT)
    return do_endorse(endorser, member_skill)


@transaction.atomic
def do_endorse(endorser: Member, member_skill: MemberSkill) -> Endorsement:
    try:
        # A savepoint: a concurrent duplicate must not break the caller's transaction.
        with transaction.atomic():
            endorsement = Endorsement.objects.create(endorser=endorser, member_skill=member_skill)
    except IntegrityError as error:
        raise OfficinaError(_("You already endorsed this skill."), ErrorCode.CONFLICT) from error
    recipient = member_skill.member
    with override(recipient.language or None):
        text = _("%(name)s endorsed your skill “%(skill)s”.") % {
            "name": endorser.display_name,
            "skill": member_skill.skill.name,
        }
        do_notify(
            recipient,
            "skills.endorsement",
            actor=endorser,
            text=str(text),
            url=reverse("social:profile", args=[recipient.pk]),
        )
    return endorsement


@transaction.atomic
def do_withdraw_endorsement(endorser: Member, member_skill: MemberSkill) -> bool:
    deleted, _rows = Endorsement.objects.filter(
        endorser=endorser, member_skill=member_skill
    ).delete()
    return deleted > 0


@transaction.atomic
def do_record_skill_evidence(
    member: Member,
    skills: Iterable[Skill],
    source_kind: str,
    source_id: int,
    url: str = "",
) -> int:
    """Record that ``member`` showed ``skills`` in ``source`` (idempotent); return new rows.

    Called by other apps, e.g. knowledge when an answer is accepted. A skill shown
    in practice is also added to the member's skills if they had not listed it.
    """
    if source_kind not in EvidenceSource.values:
        raise OfficinaError(_("Unknown evidence source."), ErrorCode.INVALID_INPUT)
    skill_list = list({skill.pk: skill for skill in skills}.values())
    if not skill_list:
        return 0
    already = set(
        SkillEvidence.objects.filter(
            member=member, source_kind=source_kind, source_id=source_id
        ).values_list("skill_id", flat=True)
    )
    new_rows = [
        SkillEvidence(
            member=member, skill=skill, source_kind=source_kind, source_id=source_id, url=url
        )
        for skill in skill_list
        if skill.pk not in already
    ]
    SkillEvidence.objects.bulk_create(new_rows, ignore_conflicts=True)
    MemberSkill.objects.bulk_create(
        [MemberSkill(member=member, skill=skill, kind=SkillKind.SKILL) for skill in skill_list],
        ignore_conflicts=True,
    )
    return len(new_rows)


@transaction.atomic
def do_withdraw_skill_evidence(source_kind: str, source_id: int) -> int:
    """Forget the evidence of a source (e.g. an answer no longer accepted)."""
    deleted, _rows = SkillEvidence.objects.filter(
        source_kind=source_kind, source_id=source_id
    ).delete()
    return deleted
