"""The index's counts, kept as rows are rewritten: members per word stem, holders per
skill, the community's totals (``TermMembers``, ``SkillHolders``, ``IndexTotals``), and
for people to meet the members listing each skill (``MeetHolders``). Ranking a question
or a member's suggestions reads them by key instead of counting rows, which at 100,000
members was most of a question's time and a good part of a suggestion's.

``IndexState`` is what some members' rows add to the counts; ``do_index_members`` takes
it before deleting their rows and after writing the new ones, and adds the difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, Sum

from officina.matchmaking.models import (
    EvidenceSize,
    EvidenceSkill,
    EvidenceTerm,
    IndexTotals,
    MeetHolders,
    MeetTag,
    SkillHolders,
    TermMembers,
)

# A strength this small is no holding (the finder's floor too).
STRENGTH_FLOOR = 1e-9
# Rows per INSERT: well under SQLite's 32,766 variables at two per row.
UPSERT_BATCH = 2000


@dataclass
class IndexState:
    """What some members' index rows add to the counts."""

    terms: Counter[str] = field(default_factory=Counter)
    holders: Counter[int] = field(default_factory=Counter)
    listers: Counter[int] = field(default_factory=Counter)  # people to meet, per skill
    members: int = 0
    length: int = 0

    @classmethod
    def stored(cls, member_ids: Sequence[int]) -> IndexState:
        """What these members' rows in the database add now."""
        state = cls()
        state.terms.update(
            EvidenceTerm.objects.filter(member_id__in=member_ids).values_list("term", flat=True)
        )
        state.holders.update(
            EvidenceSkill.objects.filter(
                member_id__in=member_ids, strength__gt=STRENGTH_FLOOR
            ).values_list("skill_id", flat=True)
        )
        state.listers.update(
            skill_id
            for _member_id, skill_id in MeetTag.objects.filter(member_id__in=member_ids)
            .values_list("member_id", "skill_id")
            .distinct()
        )
        size = EvidenceSize.objects.filter(member_id__in=member_ids).aggregate(
            members=Count("pk"), length=Sum("length")
        )
        state.members, state.length = size["members"] or 0, size["length"] or 0
        return state

    @classmethod
    def of_rows(
        cls,
        terms: Iterable[EvidenceTerm],
        skills: Iterable[EvidenceSkill],
        sizes: Iterable[EvidenceSize],
        tags: Iterable[MeetTag] = (),
    ) -> IndexState:
        """What rows about to be written will add."""
        state = cls()
        state.listers.update(
            skill_id for _member_id, skill_id in {(row.member_id, row.skill_id) for row in tags}
        )
        state.terms.update(row.term for row in terms)
        state.holders.update(row.skill_id for row in skills if row.strength > STRENGTH_FLOOR)
        for size in sizes:
            state.members += 1
            state.length += size.length
        return state


def _add(table: str, key: str, deltas: dict[str, int] | dict[int, int]) -> None:
    changed = [(value, delta) for value, delta in deltas.items() if delta]
    for start in range(0, len(changed), UPSERT_BATCH):
        batch = changed[start : start + UPSERT_BATCH]
        rows = ", ".join(["(%s, %s)"] * len(batch))
        # An upsert that adds, in the syntax SQLite and PostgreSQL share: two re-indexes
        # at once each add their own difference, neither overwrites the other's.
        sql = (
            f"INSERT INTO {table} ({key}, members) VALUES {rows} "  # noqa: S608
            f"ON CONFLICT ({key}) DO UPDATE SET members = {table}.members + excluded.members"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for pair in batch for value in pair])


@transaction.atomic
def do_add_difference(before: IndexState, after: IndexState) -> None:
    """Add ``after - before`` to the kept counts; counts that reach 0 are deleted."""
    term_deltas = {
        term: after.terms[term] - before.terms[term] for term in before.terms | after.terms
    }
    holder_deltas = {
        skill_id: after.holders[skill_id] - before.holders[skill_id]
        for skill_id in before.holders | after.holders
    }
    lister_deltas = {
        skill_id: after.listers[skill_id] - before.listers[skill_id]
        for skill_id in before.listers | after.listers
    }
    _add(TermMembers._meta.db_table, "term", term_deltas)
    _add(SkillHolders._meta.db_table, "skill_id", holder_deltas)
    _add(MeetHolders._meta.db_table, "skill_id", lister_deltas)
    TermMembers.objects.filter(
        term__in=[term for term, delta in term_deltas.items() if delta < 0], members__lte=0
    ).delete()
    SkillHolders.objects.filter(
        skill_id__in=[pk for pk, delta in holder_deltas.items() if delta < 0], members__lte=0
    ).delete()
    MeetHolders.objects.filter(
        skill_id__in=[pk for pk, delta in lister_deltas.items() if delta < 0], members__lte=0
    ).delete()
    members, length = after.members - before.members, after.length - before.length
    if members or length:
        IndexTotals.objects.get_or_create(pk=1)
        IndexTotals.objects.filter(pk=1).update(
            members=F("members") + members, length=F("length") + length
        )


@transaction.atomic
def do_recount() -> None:
    """Count everything again from the index rows (after rows were written in bulk,
    without ``do_index_members``: a benchmark, a migration)."""
    TermMembers.objects.all().delete()
    SkillHolders.objects.all().delete()
    MeetHolders.objects.all().delete()
    terms, holders = TermMembers._meta.db_table, SkillHolders._meta.db_table
    postings, skills = EvidenceTerm._meta.db_table, EvidenceSkill._meta.db_table
    listers, tags = MeetHolders._meta.db_table, MeetTag._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {terms} (term, members) "  # noqa: S608
            f"SELECT term, COUNT(*) FROM {postings} GROUP BY term"
        )
        cursor.execute(
            f"INSERT INTO {holders} (skill_id, members) "  # noqa: S608
            f"SELECT skill_id, COUNT(*) FROM {skills} WHERE strength > %s GROUP BY skill_id",
            [STRENGTH_FLOOR],
        )
        cursor.execute(
            f"INSERT INTO {listers} (skill_id, members) "  # noqa: S608
            f"SELECT skill_id, COUNT(DISTINCT member_id) FROM {tags} GROUP BY skill_id"
        )
    size = EvidenceSize.objects.aggregate(members=Count("pk"), length=Sum("length"))
    IndexTotals.objects.update_or_create(
        pk=1, defaults={"members": size["members"] or 0, "length": size["length"] or 0}
    )


@dataclass(frozen=True, slots=True)
class Totals:
    members: int
    average_length: float


def index_totals() -> Totals:
    row = IndexTotals.objects.filter(pk=1).first()
    if row is None or not row.members:
        return Totals(0, 1.0)
    return Totals(row.members, max(row.length / row.members, 1.0))


def term_members(terms: Iterable[str]) -> dict[str, int]:
    return dict(TermMembers.objects.filter(term__in=list(terms)).values_list("term", "members"))


def skill_holders(skill_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        SkillHolders.objects.filter(skill_id__in=list(skill_ids)).values_list("skill_id", "members")
    )


def meet_holders(skill_ids: Iterable[int]) -> dict[int, int]:
    """How many members list each skill for people to meet (any side)."""
    return dict(
        MeetHolders.objects.filter(skill_id__in=list(skill_ids)).values_list("skill_id", "members")
    )
