"""Demo community: an Italian coworking with two physical spaces and a digital one.

About ``context.members`` people in ``context.companies`` companies (studios,
agencies, freelancers' firms, a bakery, an accounting firm...), some of them
each other's clients and suppliers. The known login is printed by
``officina demo``: DEMO_EMAIL / DEMO_PASSWORD.
"""

from __future__ import annotations

import sys
import unicodedata

from django.utils.text import slugify

from officina.core.demo import DemoContext

from .actions import (
    SignUp,
    SpaceFields,
    check_add_company_member,
    check_add_company_relation,
    check_answer_company_invitation,
    check_create_company,
    check_join_space,
    check_set_space_role,
    do_create_space,
    do_join_space,
    do_sign_up_many,
)
from .kinds import RelationKind, SpaceKind, SpaceRole
from .models import Company, Member
from .selectors import space_managers, space_members

DEMO_EMAIL = "giulia@officina.demo"
DEMO_PASSWORD = "officina-demo"  # noqa: S105 - the documented demo login

SPACES: list[SpaceFields] = [
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


def _people(context: DemoContext) -> list[SignUp]:
    rng, faker = context.random, context.italian
    people = [SignUp(DEMO_EMAIL, DEMO_PASSWORD, "Giulia", "Rossi", "it")]
    used = {DEMO_EMAIL}
    while len(people) < context.members:
        female = rng.random() < 0.5
        first = faker.first_name_female() if female else faker.first_name_male()
        last = faker.last_name()
        email = f"{_ascii(first)}.{_ascii(last)}@officina.demo".replace(" ", "")
        if email in used:
            email = email.replace("@", f"{len(people)}@")
        used.add(email)
        language = rng.choice(["it", "it", "it", "en", ""])
        people.append(SignUp(email, DEMO_PASSWORD, first, last, language))
    return people


def _company_names(context: DemoContext) -> list[tuple[str, str]]:
    """Giulia's studio first, then a mix of kinds with Italian surnames."""
    names: list[tuple[str, str]] = [("Studio Rossi Architetti", COMPANY_KINDS[0][1])]
    seen = {names[0][0]}
    index = 1
    while len(names) < context.companies:
        pattern, description = COMPANY_KINDS[index % len(COMPANY_KINDS)]
        name = pattern.format(name=context.italian.last_name())
        index += 1
        if name not in seen:
            seen.add(name)
            names.append((name, description))
    return names


def populate(context: DemoContext) -> None:
    rng = context.random
    # The published demo password is too similar to the demo addresses for the sign-up
    # form's password rules (both are fixed by the docs), hence the unchecked bulk form.
    members = do_sign_up_many(_people(context))
    giulia = members[0]

    # Giulia manages Navigli; the other spaces were opened by one of their members.
    navigli_fields, san_salvario_fields, digital_fields = SPACES
    navigli = do_create_space(giulia, **navigli_fields)
    san_salvario, digital = (
        do_create_space(rng.choice(members[1:]), **fields)
        for fields in (san_salvario_fields, digital_fields)
    )

    # Everybody works for one company, the first of each founded it; a few work for two.
    names = _company_names(context)
    company_index = [
        0 if position < 4 else position % len(names) for position in range(len(members))
    ]
    founder_of: dict[int, Member] = {}
    for position, member in enumerate(members):
        founder_of.setdefault(company_index[position], member)
    for index in range(len(names)):
        if index not in founder_of:  # fewer people than companies: someone runs two
            founder_of[index] = rng.choice(members)
    companies: list[Company] = []
    for index, (name, description) in enumerate(names):
        city = rng.choice(["Milano", "Milano", "Torino", "Torino", "Bologna", "Bergamo"])
        space = rng.choice([navigli, navigli, san_salvario, digital])
        if index == 0:
            city, space = "Milano", navigli
        companies.append(
            check_create_company(
                founder_of[index],
                name=name,
                description=description,
                website=f"https://www.{slugify(name).replace('-', '')}.it",
                city=city,
                space=space,
            )
        )
    owner_of = {company.pk: founder_of[index] for index, company in enumerate(companies)}
    primary: dict[int, Company] = {}
    joined = {(founder.pk, companies[index].pk) for index, founder in founder_of.items()}
    for position, member in enumerate(members):
        company = companies[company_index[position]]
        primary[member.pk] = company
        if (member.pk, company.pk) not in joined:
            joined.add((member.pk, company.pk))
            check_add_company_member(owner_of[company.pk], company, email=member.email)
            check_answer_company_invitation(member, company, accept=True)
        if rng.random() < 0.08:
            other = rng.choice(companies)
            if (member.pk, other.pk) not in joined:
                joined.add((member.pk, other.pk))
                check_add_company_member(owner_of[other.pk], other, email=member.email)
                check_answer_company_invitation(member, other, accept=True)

    # Who works for whom: clients and suppliers, and a few partnerships.
    relations: dict[tuple[int, int], tuple[Company, Company, str]] = {}
    for count, kind in (
        (context.companies, RelationKind.CLIENT),
        (context.companies // 5, RelationKind.PARTNER),
    ):
        for _ in range(count):
            one, other = rng.sample(companies, 2)
            relations.setdefault((min(one.pk, other.pk), max(one.pk, other.pk)), (one, other, kind))
    bakery = next((c for c in companies if c.name.startswith("Panificio")), None)
    if bakery is not None:
        key = (min(bakery.pk, companies[0].pk), max(bakery.pk, companies[0].pk))
        relations[key] = (bakery, companies[0], RelationKind.CLIENT)
    for one, other, declared in relations.values():
        check_add_company_relation(owner_of[one.pk], one, other, declared)

    # Spaces: most people belong to the space of their company, many also to the digital one.
    for member in members:
        home = primary[member.pk].space or rng.choice([navigli, san_salvario])
        do_join_space(member, home)
        if rng.random() < 0.45:
            do_join_space(member, digital)
        if rng.random() < 0.1:
            do_join_space(member, san_salvario if home == navigli else navigli)
    do_join_space(giulia, digital)
    for space, managers_to_add in ((navigli, 1), (san_salvario, 1)):
        (opener,) = space_managers(space)
        candidates = [m for m in space_members(space) if m.pk != opener.pk]
        for member in rng.sample(candidates, min(managers_to_add, len(candidates))):
            check_set_space_role(opener, space, member, SpaceRole.MANAGER)
    # Navigli is "on request": a couple of people from Torino wait in Giulia's queue.
    outside = [
        m for m in members if m.pk not in set(space_members(navigli).values_list("pk", flat=True))
    ]
    for member, message in zip(
        rng.sample(outside, min(2, len(outside))),
        ("Vengo a Milano due giorni a settimana da marzo.", "Cerco una scrivania fissa."),
        strict=False,
    ):
        check_join_space(member, navigli, message=message)
    sys.stdout.write(f"demo: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}\n")
