"""Demo address books: each company keeps its related companies' people (linked, so their
calls are named) and a few clients and suppliers from outside Officina."""

from __future__ import annotations

from officina.accounts.kinds import RelationKind
from officina.accounts.selectors import (
    companies_directory,
    company_people,
    company_relations,
)
from officina.core.demo import DemoContext

from .actions import ContactInput, check_import_contacts


def populate(context: DemoContext) -> None:
    rng = context.random
    italian = context.italian
    for company in companies_directory():
        relations = company_relations(company)
        rows: list[tuple[int, ContactInput]] = []
        for kind, related in (
            (RelationKind.CLIENT, relations.clients),
            (RelationKind.SUPPLIER, relations.suppliers),
            (RelationKind.PARTNER, relations.partners),
        ):
            for each in related:
                people = company_people(each.company)
                if not people:
                    continue
                person = people[0].member
                rows.append(
                    (
                        len(rows) + 2,
                        ContactInput(
                            name=person.display_name,
                            relation=kind,
                            linked_company=each.company.slug,
                            email=person.email,
                        ),
                    )
                )
        for _ in range(rng.randint(2, 5)):
            rows.append(
                (
                    len(rows) + 2,
                    ContactInput(
                        name=italian.name(),
                        relation=rng.choice([RelationKind.CLIENT, RelationKind.SUPPLIER]),
                        organisation=italian.company(),
                        numbers=[
                            (
                                "mobile",
                                f"+39 3{rng.randint(20, 49)} {rng.randint(1000000, 9999999)}",
                            )
                        ],
                    ),
                )
            )
        check_import_contacts(company, rows, [])
