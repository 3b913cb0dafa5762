"""Demo questions and answers, in Italian and in English, some with an accepted answer.

Rows are made with bulk_create (fast); acceptances go through the skills
app's evidence action so that answerers' profiles show the evidence. The
search index is rebuilt afterwards by officina/search/demo.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from officina.accounts.models import Member
from officina.accounts.selectors import member_space_ids
from officina.core.demo import DemoContext
from officina.knowledge.models import Answer, Question, Visibility, Vote
from officina.skills.actions import do_record_skill_evidence
from officina.skills.models import EvidenceSource, Skill

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
    members = list(Member.objects.filter(is_active=True, is_superuser=False).order_by("pk"))
    if len(members) < 4:
        return
    rng = context.random
    skills = list(Skill.objects.order_by("pk"))
    now = timezone.now()
    questions: list[Question] = []
    planned: list[tuple[Question, list[str], bool, list[Skill]]] = []
    for number, (title, body, keywords, answers, accepted) in enumerate(THREADS):
        asker = rng.choice(members)
        space_ids = sorted(member_space_ids(asker))
        # A few questions stay inside one space, like notices on its own board.
        in_space = space_ids and number % 5 == 4
        question = Question(
            author=asker,
            title=title,
            body=body,
            visibility=Visibility.SPACE if in_space else Visibility.COMMUNITY,
            space_id=space_ids[0] if in_space else None,
            created_at=now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600)),
        )
        questions.append(question)
        planned.append((question, answers, accepted, _skills_for(keywords, skills)))
    asked_at = [question.created_at for question in questions]
    Question.objects.bulk_create(questions)
    # auto_now_add sets created_at to now on insert: put the spread-out dates back.
    for question, when in zip(questions, asked_at, strict=True):
        question.created_at = when
    Question.objects.bulk_update(questions, ["created_at"])

    tag_rows = []
    answer_rows: list[tuple[Question, Answer, bool]] = []
    for question, answers, accepted, tags in planned:
        tag_rows += [
            Question.tags.through(question_id=question.pk, skill_id=skill.pk) for skill in tags
        ]
        others = [member for member in members if member.pk != question.author_id]
        for position, text in enumerate(answers):
            answer = Answer(question=question, author=rng.choice(others), body=text)
            answer.created_at = question.created_at + timedelta(
                hours=rng.randint(1, 48) * (position + 1)
            )
            answer_rows.append((question, answer, accepted and position == 0))
    Question.tags.through.objects.bulk_create(tag_rows)
    answered_at = [answer.created_at for _question, answer, _accepted in answer_rows]
    Answer.objects.bulk_create([answer for _question, answer, _accepted in answer_rows])
    for (_question, answer, _accepted), when in zip(answer_rows, answered_at, strict=True):
        answer.created_at = min(when, now)

    votes: list[Vote] = []
    scores: dict[tuple[str, int], int] = {}
    for question, answer, is_accepted in answer_rows:
        voters = rng.sample(members, k=min(len(members), rng.randint(0, 6) + 2 * is_accepted))
        for voter in voters:
            if voter.pk in (answer.author_id, question.author_id):
                continue
            value = 1 if is_accepted or rng.random() < 0.8 else -1
            votes.append(Vote(voter=voter, answer=answer, value=value))
            scores[("a", answer.pk)] = scores.get(("a", answer.pk), 0) + value
    for question in questions:
        for voter in rng.sample(members, k=min(len(members), rng.randint(0, 5))):
            if voter.pk == question.author_id:
                continue
            votes.append(Vote(voter=voter, question=question, value=1))
            scores[("q", question.pk)] = scores.get(("q", question.pk), 0) + 1
    Vote.objects.bulk_create(votes)

    answer_counts: dict[int, int] = {}
    for question, answer, is_accepted in answer_rows:
        answer_counts[question.pk] = answer_counts.get(question.pk, 0) + 1
        answer.score = scores.get(("a", answer.pk), 0)
        if is_accepted:
            question.accepted_answer = answer
            tags = next(
                tags for planned_question, _a, _b, tags in planned if planned_question is question
            )
            do_record_skill_evidence(
                answer.author,
                tags,
                EvidenceSource.ACCEPTED_ANSWER,
                answer.pk,
                url=answer.get_absolute_url(),
            )
    Answer.objects.bulk_update([answer for _q, answer, _a in answer_rows], ["score", "created_at"])
    for question in questions:
        question.score = scores.get(("q", question.pk), 0)
        question.answer_count = answer_counts.get(question.pk, 0)
    Question.objects.bulk_update(questions, ["score", "answer_count", "accepted_answer"])
