"""Demo skills: the taxonomy of an Italian coworking, and what every member knows,
offers, needs and cares about, with endorsements between colleagues."""

from __future__ import annotations

from typing import TYPE_CHECKING

from officina.accounts.selectors import community_members, primary_company
from officina.core.demo import DemoContext
from officina.skills.actions import (
    SkillListing,
    TaxonomyEntry,
    check_add_member_skills,
    check_add_to_taxonomy,
    check_endorse_many,
)
from officina.skills.kinds import SkillCategory, SkillKind, SkillLevel
from officina.skills.models import MemberSkill, Skill

if TYPE_CHECKING:
    from officina.accounts.models import Member

# (slug, English, Italian)
TAXONOMY: dict[str, list[tuple[str, str, str]]] = {
    SkillCategory.DEVELOPMENT: [
        ("web-development", "Web development", "Sviluppo web"),
        ("python", "Python", "Python"),
        ("django", "Django", "Django"),
        ("javascript", "JavaScript", "JavaScript"),
        ("typescript", "TypeScript", "TypeScript"),
        ("react", "React", "React"),
        ("backend-development", "Backend development", "Sviluppo backend"),
        ("mobile-apps", "Mobile apps", "App per dispositivi mobili"),
        ("devops", "DevOps and cloud", "DevOps e cloud"),
        ("sql", "SQL and databases", "SQL e basi di dati"),
        ("wordpress", "WordPress", "WordPress"),
        ("e-commerce", "E-commerce", "E-commerce"),
        ("cybersecurity", "Cybersecurity", "Sicurezza informatica"),
    ],
    SkillCategory.DESIGN: [
        ("ux-design", "UX design", "UX design"),
        ("user-research", "User research", "Ricerca con gli utenti"),
        ("ui-design", "Interface design", "Design di interfacce"),
        ("graphic-design", "Graphic design", "Grafica"),
        ("brand-identity", "Brand identity", "Identità di marca"),
        ("illustration", "Illustration", "Illustrazione"),
        ("interior-design", "Interior design", "Progettazione d'interni"),
        ("architecture", "Architecture", "Architettura"),
        ("prototyping", "Prototyping", "Prototipazione"),
    ],
    SkillCategory.BUSINESS: [
        ("accounting", "Accounting", "Contabilità"),
        ("tax", "Tax and VAT", "Fisco e IVA"),
        ("business-planning", "Business planning", "Piani d'impresa"),
        ("finance", "Corporate finance", "Finanza aziendale"),
        ("fundraising", "Fundraising and grants", "Raccolta fondi e bandi"),
        ("project-management", "Project management", "Gestione di progetti"),
        ("product-management", "Product management", "Gestione di prodotto"),
        ("sales", "Sales", "Vendite"),
        ("hr-recruiting", "HR and recruiting", "Risorse umane e selezione"),
        ("export", "Export and international trade", "Export e commercio estero"),
    ],
    SkillCategory.LEGAL: [
        ("contract-law", "Contract law", "Diritto dei contratti"),
        ("privacy-gdpr", "Privacy and GDPR", "Privacy e GDPR"),
        ("intellectual-property", "Intellectual property", "Proprietà intellettuale"),
        ("labour-law", "Labour law", "Diritto del lavoro"),
        ("company-law", "Company law", "Diritto societario"),
    ],
    SkillCategory.MARKETING: [
        ("digital-marketing", "Digital marketing", "Marketing digitale"),
        ("social-media", "Social media marketing", "Social media marketing"),
        ("seo", "SEO", "SEO"),
        ("content-strategy", "Content strategy", "Strategia dei contenuti"),
        ("press-office", "Press office", "Ufficio stampa"),
        ("event-organisation", "Event organisation", "Organizzazione di eventi"),
        ("analytics", "Web analytics", "Analisi web"),
    ],
    SkillCategory.WRITING: [
        ("copywriting", "Copywriting", "Copywriting"),
        ("technical-writing", "Technical writing", "Scrittura tecnica"),
        ("translation-en-it", "Translation English–Italian", "Traduzione inglese–italiano"),
        ("german", "German", "Tedesco"),
        ("editing", "Editing and proofreading", "Editing e correzione di bozze"),
        ("storytelling", "Storytelling", "Storytelling"),
    ],
    SkillCategory.MEDIA: [
        ("photography", "Photography", "Fotografia"),
        ("product-photography", "Product photography", "Fotografia di prodotto"),
        ("video-editing", "Video editing", "Montaggio video"),
        ("podcasting", "Podcasting", "Podcast"),
        ("motion-graphics", "Motion graphics", "Motion graphics"),
        ("drone-footage", "Drone footage", "Riprese con drone"),
    ],
    SkillCategory.MAKING: [
        ("3d-printing", "3D printing", "Stampa 3D"),
        ("3d-modelling", "3D modelling (CAD)", "Modellazione 3D (CAD)"),
        ("carpentry", "Carpentry", "Falegnameria"),
        ("laser-cutting", "Laser cutting", "Taglio laser"),
        ("electronics", "Electronics and Arduino", "Elettronica e Arduino"),
        ("ceramics", "Ceramics", "Ceramica"),
        ("tailoring", "Tailoring", "Sartoria"),
        ("baking", "Bread and pastry", "Panificazione e pasticceria"),
    ],
    SkillCategory.DATA: [
        ("data-analysis", "Data analysis", "Analisi dei dati"),
        ("machine-learning", "Machine learning", "Machine learning"),
        ("data-visualisation", "Data visualisation", "Visualizzazione dei dati"),
        ("spreadsheets", "Advanced spreadsheets", "Fogli di calcolo avanzati"),
    ],
    SkillCategory.PEOPLE: [
        ("public-speaking", "Public speaking", "Parlare in pubblico"),
        ("teaching", "Teaching and workshops", "Docenza e laboratori"),
        ("coaching", "Coaching and mentoring", "Coaching e mentoring"),
        ("facilitation", "Workshop facilitation", "Facilitazione di gruppi"),
        ("community-management", "Community management", "Gestione di comunità"),
    ],
}

NOTES_IT = {
    SkillKind.OFFER: [
        "tariffe agevolate per chi lavora in coworking",
        "anche solo una consulenza di un'ora",
        "per piccole imprese e associazioni",
        "",
        "",
    ],
    SkillKind.NEED: [
        "per un progetto in partenza a gennaio",
        "cerco qualcuno con cui fare pratica",
        "anche solo un parere veloce",
        "",
        "",
    ],
}


def populate(context: DemoContext) -> None:
    rng = context.random
    skills = check_add_to_taxonomy(
        [
            TaxonomyEntry(slug, english, italian, category)
            for category, entries in TAXONOMY.items()
            for slug, english, italian in entries
        ]
    )
    members = list(community_members())
    if not members:
        return
    by_category: dict[str, list[Skill]] = {}
    for skill in skills:
        by_category.setdefault(skill.category, []).append(skill)
    categories = list(by_category)
    company_of = {}
    for member in members:
        company = primary_company(member)
        company_of[member.pk] = company.pk if company else 0
    # Colleagues share a trade: each company leans towards two categories.
    company_focus: dict[int, list[str]] = {}

    endorsable: list[MemberSkill] = []
    for member in members:
        focus = company_focus.setdefault(company_of[member.pk], rng.sample(categories, 2))
        home_pool = [skill for category in focus for skill in by_category[category]]
        plan = [
            (SkillKind.SKILL, home_pool, rng.randint(2, 5), True),
            (SkillKind.TALENT, skills, rng.randint(0, 2), False),
            (SkillKind.INTEREST, skills, rng.randint(1, 3), False),
            (SkillKind.OFFER, home_pool, rng.randint(0, 2), True),
            (SkillKind.NEED, skills, rng.randint(0, 2), False),
        ]
        listings = [
            SkillListing(
                skill,
                kind,
                level=rng.choice(SkillLevel.values) if levelled else None,
                note=rng.choice(NOTES_IT[kind]) if kind in NOTES_IT else "",
            )
            for kind, pool, count, levelled in plan
            for skill in rng.sample(pool, min(count, len(pool)))
        ]
        listed = check_add_member_skills(member, listings)
        endorsable += [row for row in listed if row.is_endorsable]

    colleagues: dict[int, list[Member]] = {}
    for member in members:
        colleagues.setdefault(company_of[member.pk], []).append(member)
    endorsements: dict[tuple[int, int], tuple[Member, MemberSkill]] = {}
    for row in rng.sample(endorsable, len(endorsable) * 2 // 3):
        nearby = colleagues.get(company_of.get(row.member_id, 0), [])
        for _ in range(rng.randint(1, 4)):
            # Mostly colleagues, sometimes anyone in the community.
            endorser = rng.choice(nearby if nearby and rng.random() < 0.6 else members)
            if endorser.pk != row.member_id:
                endorsements.setdefault((row.pk, endorser.pk), (endorser, row))
    check_endorse_many(list(endorsements.values()))
