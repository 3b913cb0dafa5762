"""Demo questions and answers, in Italian and in English, some with an accepted answer.

Each thread is asked, answered, voted on and accepted through the knowledge
actions, back-dated over the last two months, so that answerers' profiles
show the evidence of accepted answers and askers were notified of answers.
The search index is rebuilt afterwards by officina/search/demo.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from officina.accounts.selectors import all_spaces, community_members, member_space_ids
from officina.core.demo import DemoContext
from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
    check_vote,
)
from officina.skills.selectors import all_skills

if TYPE_CHECKING:
    from officina.skills.models import Skill

# (title, details, skill keywords, answers); the first answer is the one the asker accepts
# when the question is marked accepted.
THREADS: list[tuple[str, str, list[str], list[str], bool]] = [
    (
        "Chi conosce un buon commercialista per partite IVA in regime forfettario?",
        "Ho aperto la partita IVA a marzo e vorrei qualcuno che segua anche l'INPS gestione "
        "separata. Budget contenuto.",
        ["account", "tax", "financ"],
        [
            "Noi ci troviamo bene con lo studio al secondo piano: rispondono in giornata e "
            "conoscono bene il forfettario. Chiedi di Elena.",
            "Occhio alle scadenze di giugno per il saldo e il primo acconto: fatti fare subito "
            "una simulazione delle imposte.",
        ],
        True,
    ),
    (
        "Progettazione di un'identità visiva: da dove partire?",
        "Stiamo lanciando un piccolo marchio di ceramiche. Meglio partire dal logo o da un "
        "brief completo con tono di voce e palette?",
        ["brand", "graphic", "design"],
        [
            "Dal brief, sempre. Il logo è l'ultima cosa: prima definisci pubblico, valori e "
            "tre aggettivi che vi descrivono. Poi moodboard, poi palette e tipografia.",
            "Se il budget è stretto, un workshop di mezza giornata con un designer vale più di "
            "dieci proposte di logo.",
            "Guardate anche come fotografate i prodotti: l'identità passa molto dalle immagini.",
        ],
        True,
    ),
    (
        "Qualcuno ha esperienza con i bandi regionali per startup innovative in Lombardia?",
        "Vorremmo candidarci al prossimo bando per la digitalizzazione. Quanto tempo serve "
        "per preparare la domanda?",
        ["fund", "business", "grant"],
        [
            "Calcola almeno tre settimane: la parte lunga è il piano economico e i preventivi "
            "dei fornitori, che devono essere già firmati.",
        ],
        False,
    ),
    (
        "Come gestite la privacy dei dati clienti nei preventivi condivisi?",
        "Mandiamo i preventivi via e-mail con nomi e indirizzi dei clienti finali. Serve "
        "un accordo di nomina a responsabile del trattamento con i fornitori?",
        ["privacy", "legal", "law", "contract"],
        [
            "Sì, se il fornitore tratta dati per conto vostro va nominato responsabile ex art. 28 "
            "GDPR. Esistono modelli semplici, ma adattateli al servizio reale.",
            "Intanto riducete i dati: nel preventivo spesso basta il nome dell'azienda.",
        ],
        True,
    ),
    (
        "Stampante 3D in resina o a filamento per prototipi di gioielli?",
        "Devo stampare modelli per la fusione a cera persa, dettagli fini.",
        ["3d", "prototyp", "making", "craft"],
        [
            "Resina senza dubbio, meglio se castable. Il filamento non regge quei dettagli.",
            "Nel laboratorio del Navigli ce n'è una: prenotala e fai una prova prima di comprare.",
        ],
        True,
    ),
    (
        "Consigli per un corso di public speaking in italiano a Milano?",
        "Devo presentare il nostro progetto a un evento di settore a novembre.",
        ["public speak", "present", "teach", "communication"],
        [
            "Più che un corso, fai tre prove davanti a persone del coworking: il venerdì "
            "pomeriggio c'è sempre qualcuno disponibile.",
        ],
        False,
    ),
    (
        "Traduzione tecnica di un manuale dall'inglese: a cartella o a parola?",
        "Sono circa 40 pagine di manuale d'uso per macchinari. Che tariffa è corretta?",
        ["translat", "writing", "language"],
        [
            "Per il tecnico di solito si ragiona a parola sorgente; chiedi anche se usano una "
            "memoria di traduzione, le ripetizioni costano meno.",
            "Conta anche l'impaginazione: se il file è un PDF, aggiungi il costo di DTP.",
        ],
        True,
    ),
    (
        "Video per i social: meglio girare in verticale o orizzontale?",
        "Facciamo brevi interviste ai clienti del negozio.",
        ["video", "social media", "marketing"],
        [
            "Girate in 4K orizzontale con il soggetto al centro: potete ritagliare il verticale "
            "dopo senza perdere qualità.",
            "Se il canale principale è Instagram, girate direttamente in verticale e curate "
            "l'audio con un microfono a clip.",
        ],
        False,
    ),
    (
        "How do you price a fixed-scope web project without getting burned?",
        "A client wants a fixed price for an e-commerce site. Scope feels fuzzy.",
        ["web", "project manag", "software", "develop"],
        [
            "Split it: a paid discovery phase with a fixed price, then quote the build on the "
            "written scope. Anything outside the document is a change request.",
            "Put a cap on revision rounds for the design and list what 'done' means for each page.",
        ],
        True,
    ),
    (
        "Best way to run a Django app on a small VPS?",
        "Looking for a setup one person can maintain: backups, TLS, deploys.",
        ["python", "django", "devops", "backend", "develop"],
        [
            "Keep it boring: a systemd service running the ASGI server, a reverse proxy that "
            "handles TLS, nightly database dumps copied off the machine, and a one-command deploy "
            "script you actually test.",
            "Whatever you choose, rehearse a restore from backup once. Most people only find out "
            "their backups are broken when they need them.",
        ],
        True,
    ),
    (
        "Which analytics tool respects privacy and still tells me something useful?",
        "We want to stop using trackers that need a cookie banner.",
        ["analytics", "data", "marketing"],
        [
            "A cookieless, self-hosted analytics tool gives you page views, referrers and "
            "campaigns, which is what most small sites actually look at.",
        ],
        False,
    ),
    (
        "Tips for onboarding a first employee in a two-person company?",
        "We're hiring our first developer next month and have no HR process at all.",
        ["hr", "people", "recruit", "manag"],
        [
            "Write down the first two weeks day by day, pair them with one person, and schedule "
            "a check-in at day 30. A checklist beats an HR process at your size.",
            "Get the payroll consultant involved early: contracts and INAIL paperwork take time.",
        ],
        True,
    ),
    (
        "Anyone used a data warehouse for a small retail business?",
        "We have sales in the shop system, the web shop and spreadsheets.",
        ["data", "sql", "analytics"],
        [
            "At your size a single PostgreSQL database with nightly imports and a few SQL views "
            "is plenty. Start with one question you want answered every week.",
            "Agree first on what a 'sale' is across the three systems; that's where numbers drift.",
        ],
        False,
    ),
    (
        "How do developers here handle code review when working solo?",
        "I'm a freelance developer and miss having someone read my code.",
        ["develop", "software", "python", "javascript"],
        [
            "Swap reviews with another freelancer here: an hour a week each. It works surprisingly "
            "well and you learn each other's tricks.",
            "Automate the boring part (formatters, linters, tests in CI) so human review can "
            "focus on design.",
        ],
        True,
    ),
    (
        "Recommendations for product photography on a budget?",
        "Small batch of handmade leather bags, shot for the web shop.",
        ["photo", "media", "product"],
        [
            "A large diffuser, a white sweep and a tripod will get you 80% there. Shoot tethered "
            "so you check focus on a big screen.",
        ],
        False,
    ),
    (
        "What makes a good UX research interview?",
        "First time interviewing users of our booking app.",
        ["ux", "research", "design", "user"],
        [
            "Ask about the last time they did the thing, not about what they would do. Past "
            "behaviour is data; opinions about the future are guesses.",
            "Record with consent and have a second person take notes, so you can listen.",
        ],
        True,
    ),
]


def _skills_for(keywords: list[str], skills: list[Skill]) -> list[Skill]:
    chosen: list[Skill] = []
    for keyword in keywords:
        for skill in skills:
            names = f"{skill.slug} {skill.name_en} {skill.name_it}".lower()
            if keyword in names and skill not in chosen:
                chosen.append(skill)
                break
        if len(chosen) == 2:
            break
    return chosen


def populate(context: DemoContext) -> None:
    members = list(community_members())
    if len(members) < 4:
        return
    rng = context.random
    skills = list(all_skills().order_by("pk"))
    spaces_of = {member.pk: sorted(member_space_ids(member)) for member in members}
    space_by_id = {space.pk: space for space in all_spaces()}
    now = timezone.now()
    for number, (title, body, keywords, answers, accepted) in enumerate(THREADS):
        asker = rng.choice(members)
        space_ids = spaces_of[asker.pk]
        # A few questions stay inside one space, like notices on its own board.
        space = space_by_id[space_ids[0]] if space_ids and number % 5 == 4 else None
        asked = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600))
        question = check_ask_question(
            asker, title=title, body=body, tags=_skills_for(keywords, skills), space=space, at=asked
        )
        others = [member for member in members if member.pk != asker.pk]
        for position, text in enumerate(answers):
            author = rng.choice(others)
            answered = min(now, asked + timedelta(hours=rng.randint(1, 48) * (position + 1)))
            answer = check_answer_question(author, question, body=text, at=answered)
            is_accepted = accepted and position == 0
            voters = rng.sample(members, k=min(len(members), rng.randint(0, 6) + 2 * is_accepted))
            for voter in voters:
                if voter.pk not in (answer.author_id, asker.pk):
                    check_vote(voter, answer, 1 if is_accepted or rng.random() < 0.8 else -1)
            if is_accepted:
                check_accept_answer(asker, answer)
        for voter in rng.sample(members, k=min(len(members), rng.randint(0, 5))):
            if voter.pk != asker.pk:
                check_vote(voter, question, 1)
