"""The evidence behind each skill on a profile, with its source: who endorsed it, the
accepted answers that showed it (links to the questions), and the finished projects that
needed it and the member took part in.

Each part is read through its own app's selectors, with the same rules as the rest of
the profile: endorsers the community sees, questions the viewer may read (a space's
questions stay in the space), projects the viewer takes part in (nobody else may see a
project).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from officina.knowledge.selectors import accepted_questions_seen_by
from officina.projects.selectors import finished_projects_needing_skills
from officina.skills.selectors import (
    accepted_answer_skills,
    attach_stated_evidence,
    endorsers_by_listing,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.knowledge.models import Question
    from officina.projects.models import Project
    from officina.skills.models import MemberFreeTag, MemberSkill, StatedEvidence


@dataclass
class SkillEvidence:
    endorsers: list[Member] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    # Links and notes the member gave themselves.
    stated: list[StatedEvidence] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.endorsers or self.questions or self.projects or self.stated)


def attach_skill_evidence(
    member: Member,
    viewer: Member,
    rows: list[MemberSkill],
    free_tags: list[MemberFreeTag] | None = None,
) -> None:
    """Set ``row.proof`` (a :class:`SkillEvidence`) on each of ``rows``, the member's
    listings, and on their ``free_tags``. Endorsements belong to their listing (a free
    tag's too); answers, projects and what the member stated to the skill (or the tag),
    shown once, on its first listing of a giving kind (skill, talent, offer). Five
    queries, whatever the number of skills."""
    tags = free_tags or []
    attach_stated_evidence(member, rows, tags)
    endorsers = endorsers_by_listing(member)
    for listing in tags:
        listing.proof = SkillEvidence(endorsers=endorsers.of(listing), stated=listing.stated)  # type: ignore[attr-defined]
    shown = accepted_answer_skills(member)
    questions = accepted_questions_seen_by(viewer, [answer_id for _skill, answer_id in shown])
    by_skill: dict[int, SkillEvidence] = {}
    for skill_id, answer_id in shown:
        question = questions.get(answer_id)
        if question is not None:
            by_skill.setdefault(skill_id, SkillEvidence()).questions.append(question)
    for project, skill_ids in finished_projects_needing_skills(member, viewer):
        for skill_id in skill_ids:
            by_skill.setdefault(skill_id, SkillEvidence()).projects.append(project)
    for row in rows:
        proof = SkillEvidence(endorsers=endorsers.of(row), stated=row.stated)  # type: ignore[attr-defined]
        if row.takes_evidence:  # type: ignore[attr-defined]
            found = by_skill.get(row.skill_id, SkillEvidence())
            proof.questions, proof.projects = found.questions, found.projects
        row.proof = proof  # type: ignore[attr-defined]
