"""Demo community: an Italian coworking with two physical spaces and a digital one.

About ``context.members`` people in ``context.companies`` companies (studios,
agencies, freelancers' firms, a bakery, an accounting firm...), some of them
each other's clients and suppliers. The known login is printed by
``officina demo``: DEMO_EMAIL / DEMO_PASSWORD.
"""

from __future__ import annotations

import sys
import unicodedata

from django.contrib.auth.hashers import make_password
from django.utils.text import slugify

from officina.core.demo import DemoContext

from .models import (
    Company,
    CompanyMembership,
    CompanyRelation,
    CompanyRole,
    Member,
    RelationKind,
    Space,
    SpaceKind,
    SpaceMembership,
    SpaceRole,
)

DEMO_EMAIL = "giulia@officina.demo"
DEMO_PASSWORD = "officina-demo"  # noqa: S105 - the documented demo login

SPACES = [
    {
        "name": "Officina Navigli",
        "slug": "navigli",
        "kind": SpaceKind.PHYSICAL,
        "address": "Via Vigevano 18",
        "city": "Milano",
        "capacity": 60,
        "description": (
            "Open space di 600 m² sul Naviglio Grande: 60 postazioni, tre sale riunioni, "
            "una cabina telefonica e la cucina comune dove si fa colazione insieme il venerdì."
        ),
    },
    {
        "name": "Officina San Salvario",
        "slug": "san-salvario",
        "kind": SpaceKind.PHYSICAL,
        "address": "Via Madama Cristina 50",
        "city": "Torino",
        "capacity": 35,
        "description": (
            "Ex laboratorio artigiano a due passi dal Valentino: 35 scrivanie, un'aula "
            "per workshop e un cortile dove d'estate si lavora all'aperto."
        ),
    },
    {
        "name": "Digital coworking",
        "slug": "digital",
        "kind": SpaceKind.REMOTE,
        "address": "",
        "city": "",
        "capacity": None,
        "description": (
            "Lo spazio di chi lavora da casa, dal treno o da un'altra città: dici a cosa "
            "lavori e fino a quando, e gli altri sanno che ci sei."
        ),
    },
]

# (name pattern, description); {name} is an Italian surname.
COMPANY_KINDS = [
    (
        "Studio {name} Architetti",
        "Studio di architettura: case, negozi e uffici, dal rilievo al cantiere.",
    ),
    (
        "{name} & Partners Comunicazione",
        "Agenzia di comunicazione: brand, campagne e social per PMI.",
    ),
    (
        "Panificio {name}",
        "Pane a lievito madre, focacce e colazioni per gli uffici della zona.",
    ),
    (
        "Studio {name} Commercialisti",
        "Contabilità, bilanci e fiscalità per professionisti e startup.",
    ),
    (
        "{name} Web Studio",
        "Siti web, e-commerce e manutenzione per piccole imprese.",
    ),
    (
        "{name} Design",
        "Design di prodotto e packaging.",
    ),
    (
        "Traduzioni {name}",
        "Traduzioni tecniche e legali in inglese, tedesco e francese.",
    ),
    (
        "{name} Lab",
        "Sviluppo software su misura e consulenza cloud.",
    ),
    (
        "Fotografia {name}",
        "Foto di prodotto, ritratti aziendali ed eventi.",
    ),
    (
        "Studio Legale {name}",
        "Diritto societario, contratti e proprietà intellettuale.",
    ),
    (
        "{name} Consulting",
        "Consulenza organizzativa e formazione per team.",
    ),
    (
        "Atelier {name}",
        "Illustrazione e grafica editoriale.",
    ),
    (
        "{name} Video",
        "Video aziendali, montaggio e motion graphics.",
    ),
    (
        "Caffè {name}",
        "Torrefazione artigianale e caffè per uffici.",
    ),
    (
        "{name} Ingegneria",
        "Progettazione impianti ed efficienza energetica.",
    ),
    (
        "{name} UX",
        "Ricerca utenti, prototipi e test di usabilità.",
    ),
    (
        "Edizioni {name}",
        "Piccola casa editrice di saggistica e guide.",
    ),
    (
        "{name} Marketing",
        "Marketing digitale, SEO e campagne a pagamento.",
    ),
    (
        "Sartoria {name}",
        "Abiti su misura e piccole produzioni di moda.",
    ),
    (
        "{name} Data",
        "Analisi dati, dashboard e automazione dei report.",
    ),
]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def populate(context: DemoContext) -> None:
    rng, faker = context.random, context.italian
    password = make_password(DEMO_PASSWORD)  # hashed once: the slow part of making members

    spaces = Space.objects.bulk_create(
        [Space(time_zone="Europe/Rome", **fields) for fields in SPACES]  # type: ignore[arg-type]
    )
    navigli, san_salvario, digital = spaces

    people: list[Member] = [
        Member(
            email=DEMO_EMAIL,
            first_name="Giulia",
            last_name="Rossi",
            password=password,
            language="it",
        )
    ]
    used = {DEMO_EMAIL}
    while len(people) < context.members:
        female = rng.random() < 0.5
        first = faker.first_name_female() if female else faker.first_name_male()
        last = faker.last_name()
        email = f"{_ascii(first)}.{_ascii(last)}@officina.demo".replace(" ", "")
        if email in used:
            email = email.replace("@", f"{len(people)}@")
        used.add(email)
        people.append(
            Member(
                email=email,
                first_name=first,
                last_name=last,
                password=password,
                language=rng.choice(["it", "it", "it", "en", ""]),
            )
        )
    members = Member.objects.bulk_create(people)
    giulia = members[0]

    # Companies: Giulia's studio first, then a mix of kinds with Italian surnames.
    names: list[tuple[str, str]] = [
        ("Studio Rossi Architetti", COMPANY_KINDS[0][1]),
    ]
    seen = {names[0][0]}
    index = 1
    while len(names) < context.companies:
        pattern, description = COMPANY_KINDS[index % len(COMPANY_KINDS)]
        name = pattern.format(name=faker.last_name())
        index += 1
        if name not in seen:
            seen.add(name)
            names.append((name, description))
    companies = Company.objects.bulk_create(
        [
            Company(
                name=name,
                slug=slugify(name)[:140],
                description=description,
                website=f"https://www.{slugify(name).replace('-', '')}.it",
                city=rng.choice(["Milano", "Milano", "Torino", "Torino", "Bologna", "Bergamo"]),
                space=rng.choice([navigli, navigli, san_salvario, digital]),
            )
            for name, description in names
        ]
    )
    companies[0].city, companies[0].space = "Milano", navigli
    Company.objects.filter(pk=companies[0].pk).update(city="Milano", space=navigli)

    # Everybody works for one company (the first of each is its owner); a few for two.
    memberships: list[CompanyMembership] = []
    owners: set[int] = set()
    for position, member in enumerate(members):
        company = companies[0] if position < 4 else companies[position % len(companies)]
        role = CompanyRole.OWNER if company.pk not in owners else CompanyRole.MEMBER
        owners.add(company.pk)
        memberships.append(
            CompanyMembership(member=member, company=company, role=role, is_primary=True)
        )
        if rng.random() < 0.08:
            other = rng.choice(companies)
            if other.pk != company.pk:
                memberships.append(
                    CompanyMembership(member=member, company=other, role=CompanyRole.MEMBER)
                )
    CompanyMembership.objects.bulk_create(memberships)

    # Who works for whom: clients and suppliers, and a few partnerships.
    relations: dict[tuple[int, int], CompanyRelation] = {}
    for _ in range(context.companies):
        one, other = rng.sample(companies, 2)
        key = (min(one.pk, other.pk), max(one.pk, other.pk))
        if key not in relations:
            relations[key] = CompanyRelation(
                from_company=one, to_company=other, kind=RelationKind.CLIENT
            )
    for _ in range(context.companies // 5):
        one, other = rng.sample(companies, 2)
        key = (min(one.pk, other.pk), max(one.pk, other.pk))
        if key not in relations:
            relations[key] = CompanyRelation(
                from_company=one, to_company=other, kind=RelationKind.PARTNER
            )
    bakery = next((c for c in companies if c.name.startswith("Panificio")), None)
    if bakery is not None:
        key = (min(bakery.pk, companies[0].pk), max(bakery.pk, companies[0].pk))
        relations[key] = CompanyRelation(
            from_company=bakery, to_company=companies[0], kind=RelationKind.CLIENT
        )
    CompanyRelation.objects.bulk_create(relations.values())

    # Spaces: most people belong to the space of their company, many also to the digital one.
    company_space = {c.pk: c.space_id for c in companies}
    primary = {m.member_id: m.company_id for m in memberships if m.is_primary}
    space_rows: dict[tuple[int, int], SpaceMembership] = {}
    for member in members:
        home = company_space.get(primary[member.pk]) or rng.choice([navigli.pk, san_salvario.pk])
        space_rows[(member.pk, home)] = SpaceMembership(member=member, space_id=home)
        if rng.random() < 0.45:
            space_rows[(member.pk, digital.pk)] = SpaceMembership(
                member=member, space_id=digital.pk
            )
        if rng.random() < 0.1:
            second = san_salvario.pk if home == navigli.pk else navigli.pk
            space_rows[(member.pk, second)] = SpaceMembership(member=member, space_id=second)
    for space in (navigli, digital):
        space_rows[(giulia.pk, space.pk)] = SpaceMembership(member=giulia, space=space)
    space_rows[(giulia.pk, navigli.pk)].role = SpaceRole.MANAGER
    for space, count in ((navigli, 1), (san_salvario, 2), (digital, 1)):
        candidates = [row for (_m, s), row in space_rows.items() if s == space.pk]
        for row in rng.sample(candidates, min(count, len(candidates))):
            row.role = SpaceRole.MANAGER
    SpaceMembership.objects.bulk_create(space_rows.values())
    sys.stdout.write(f"demo: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}\n")
