"""Demo social network: profiles, follows, a few hundred posts (mostly Italian), comments,
reactions and direct messages. Everything is bulk-created; timestamps spread over weeks."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from officina.accounts.models import Company, CompanyMembership, Member, Space, SpaceMembership
from officina.core.demo import DemoContext
from officina.skills.models import MemberSkill, SkillKind
from officina.social.models import (
    Comment,
    Conversation,
    ConversationMember,
    Follow,
    Message,
    Post,
    Profile,
    Reaction,
    ReactionKind,
    Visibility,
)

# Headlines name the trade, not the person: they read naturally whoever wears them.
ROLES_IT = [
    "Sviluppo web full-stack",
    "Sviluppo backend in Python",
    "UX e ricerca con gli utenti",
    "Grafica e identità visiva",
    "Contabilità e bilanci per piccole imprese",
    "Consulenza legale d'impresa",
    "Copywriting e contenuti",
    "Fotografia di prodotto e ritratto",
    "Social media e comunità online",
    "Gestione di progetti digitali",
    "Architettura e interni",
    "Marketing per il commercio locale",
    "Traduzioni inglese e tedesco",
    "Stampa 3D e prototipi",
    "Falegnameria e arredi su misura",
    "Analisi dei dati",
    "Formazione e laboratori",
    "Video e montaggio",
    "Prodotti digitali",
    "Fisco e IVA per freelance",
]

BIO_OPENINGS = [
    "Lavoro a {city} da qualche anno e passo in coworking quasi tutti i giorni.",
    "Ho scelto Officina per smettere di lavorare al tavolo della cucina.",
    "Dopo dieci anni in agenzia ho aperto la partita IVA.",
    "Mi occupo di {skill} per piccole imprese e associazioni.",
    "Vivo a {city} e lavoro con clienti in tutta Italia.",
    "Metà del mio tempo la passo con i clienti, l'altra metà a imparare cose nuove.",
]
BIO_CLOSINGS = [
    "Se vi serve una mano con {skill}, offro volentieri un caffè in cambio di due chiacchiere.",
    "Cerco sempre persone con cui fare progetti insieme.",
    "Fuori dal lavoro: montagna, biciclette e pane fatto in casa.",
    "Mi trovate quasi sempre al tavolo vicino alla finestra.",
    "Organizzo ogni tanto un pranzo a tema: chiedetemi il prossimo!",
]

POSTS_IT = [
    "Qualcuno ha esperienza con {skill}? Sto valutando se affidarmi a un esterno o imparare "
    "da zero.",
    "Oggi in {space} c'è un profumo di caffè che si sente dalle scale. Grazie a chi ha "
    "portato la moka nuova ☕",
    "Abbiamo appena chiuso un progetto con {company}: tre mesi intensi, ma il risultato ci "
    "piace molto.",
    "Cerco un/una esperto/a di {skill} per un lavoro di due settimane a partire da "
    "{weekday}. Scrivetemi in privato!",
    "Promemoria: {weekday} alle 13 pranzo condiviso in sala grande. Ognuno porta qualcosa 🍝",
    "Ho scritto due righe su cosa ho imparato facendo {skill} per un cliente difficile. "
    "Lezione principale: mettere tutto per iscritto.",
    "Qualcuno va all'evento sul {skill} a {city} la settimana prossima? Si potrebbe andare "
    "insieme.",
    "Grazie {person} per l'aiuto di ieri con la fattura elettronica: mi hai salvato la giornata.",
    "La stampante 3D del laboratorio è di nuovo operativa. Chi vuole imparare a usarla, "
    "{weekday} pomeriggio facciamo una prova.",
    "Sto cercando un fotografo per gli scatti del nuovo catalogo. Budget contenuto ma "
    "progetto bello.",
    "Nuovo cliente in arrivo grazie a un contatto conosciuto qui in coworking. Il "
    "passaparola funziona ancora!",
    "Consiglio del giorno: fate il backup. Oggi. Adesso. Fidatevi.",
    "Mi serve un parere su un contratto di collaborazione: qualcuno esperto di {skill} ha "
    "dieci minuti?",
    "Bellissima la chiacchierata di ieri sera su {skill}. Chi vuole le slide me le chieda.",
    "{space}: il Wi-Fi della sala riunioni piccola è stato potenziato, adesso regge anche le "
    "videochiamate lunghe.",
    "Sto organizzando un piccolo laboratorio di {skill} per principianti. Se vi interessa "
    "mettete un like così capisco quanti siamo.",
    "Cerchiamo uno stagista per sei mesi: sviluppo web, ambiente giovane, buon caffè. Giro "
    "volentieri i dettagli.",
    "Finalmente consegnato il sito per {company}! Grazie a tutti quelli che hanno fatto da tester.",
    "Qualcuno conosce un buon commercialista per una start-up innovativa? Meglio se abituato "
    "a bandi regionali.",
    "Oggi lavoro da remoto dal coworking digitale: chi c'è per una pausa caffè virtuale alle 11?",
    "Aperte le iscrizioni al corso di {skill} del mese prossimo. Posti limitati a dodici persone.",
    "Domanda da un milione: preventivo a ore o a progetto? Voi come fate?",
    "Ho trovato un ombrello blu in sala relax. Se è vostro è sul mobile dell'ingresso ☂️",
    "Cerco qualcuno con cui scambiare competenze: io offro {skill}, mi serve una mano con la "
    "contabilità.",
    "Tre cose che ho imparato lavorando con {company}: ascoltare, fare domande, consegnare "
    "in anticipo.",
    "Venerdì aperitivo in terrazza per salutare l'estate. Portate amici e colleghi!",
    "Chi ha voglia di fare da cavia per un test di usabilità? 20 minuti, offro il pranzo.",
    "Il nostro podcast sul lavoro indipendente è arrivato alla decima puntata. Grazie a chi "
    "ci ascolta!",
    "Nuovo tavolo da lavoro in falegnameria, fatto con il legno recuperato dal vecchio bancone.",
    "Consiglio un libro a chi si occupa di {skill}: mi ha cambiato il modo di lavorare. "
    "Titolo in privato per non fare pubblicità 😄",
    "Abbiamo vinto il bando regionale per l'innovazione! Grazie a {person} per la revisione "
    "del piano d'impresa.",
    "Cerco casa a {city} per un collega che arriva da fuori: qualcuno ha dritte?",
    "Chi lavora con clienti tedeschi? Vorrei capire come gestite fatturazione e IVA.",
    "Ieri sessione di mentoring con i ragazzi dell'istituto tecnico: tantissime domande su "
    "{skill}.",
    "Piccolo traguardo: un anno di partita IVA. Grazie a questa comunità per i consigli e la "
    "compagnia.",
    "{weekday} la sala grande è prenotata dalle 14 alle 18 per un workshop: scusate il disturbo!",
    "Qualcuno ha una chiavetta USB-C da prestarmi per mezz'ora? Sono alla scrivania 12.",
    "Lancio ufficiale del nostro nuovo servizio di {skill}. Sconto del 20% per chi lavora in "
    "coworking.",
    "Per chi me lo chiedeva: sì, il corso di {skill} avrà una seconda edizione in primavera.",
    "Oggi ho imparato una scorciatoia che mi farà risparmiare un'ora a settimana. Amo questo "
    "posto.",
]

POSTS_EN = [
    "Anyone here experienced with {skill}? Happy to buy coffee in exchange for an hour of advice.",
    "Just shipped a big release for {company}. Thanks to everyone who tested it over lunch!",
    "Looking for a freelancer who knows {skill} for a two-week project starting {weekday}.",
    "New in {city} and in the community: say hi if you see me at the window desk!",
    "Sharing my notes from the {skill} meetup last night; message me for the slides.",
    "We are hiring a junior developer (Python, some JavaScript). Remote-friendly, based in {city}.",
    "Reminder: {weekday} lunch-and-learn on {skill} in the big room at 1 pm.",
    "Huge thanks to {person} for the introduction to a new client this week.",
]

COMMENTS_IT = [
    "Che bello, complimenti!",
    "Ti scrivo in privato.",
    "Ci sono anch'io!",
    "Conosco la persona giusta, te la presento.",
    "Grazie per la condivisione, molto utile.",
    "Io l'ho fatto l'anno scorso, posso raccontarti com'è andata.",
    "Ottima idea, contate su di me.",
    "Hai provato a chiedere in segreteria?",
    "Mi interessa, tienimi aggiornata.",
    "Bravissimi 👏",
    "Posso portare il dolce!",
    "Anche a me serve, facciamo una richiesta insieme?",
]
COMMENTS_EN = ["Congratulations!", "Count me in.", "Sending you a message.", "Great news!"]

# Three short dialogues of four lines (a conversation starts at line 0, 4 or 8).
MESSAGES_IT = [
    "Ciao! Ho visto il tuo post, ti va di parlarne davanti a un caffè?",
    "Certo, domani sono in coworking tutto il giorno.",
    "Perfetto, facciamo alle 10:30 in sala relax?",
    "Va benissimo, ti porto anche il preventivo di cui parlavamo.",
    "Grazie mille per ieri, mi è stato davvero utile.",
    "Figurati! Se hai altri dubbi scrivimi pure.",
    "Ti giro il contatto del cliente di cui ti parlavo.",
    "Ricevuto, lo chiamo lunedì e ti aggiorno.",
    "Hai tempo questa settimana per rivedere insieme la proposta?",
    "Giovedì pomeriggio va bene, verso le tre?",
    "Perfetto, prenoto la saletta piccola.",
    "A giovedì allora!",
]

WEEKDAYS = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì"]


def _fill(template: str, context: DemoContext, names: dict[str, list[str]]) -> str:
    rng = context.random
    return template.format(
        skill=rng.choice(names["skills"]),
        space=rng.choice(names["spaces"]),
        company=rng.choice(names["companies"]),
        person=rng.choice(names["people"]),
        city=rng.choice(["Milano", "Torino", "Bologna", "Bergamo"]),
        weekday=rng.choice(WEEKDAYS),
    )


def populate(context: DemoContext) -> None:
    rng = context.random
    members = list(Member.objects.filter(is_superuser=False, is_active=True).order_by("pk"))
    if len(members) < 3:
        return
    now = timezone.now()
    companies = list(Company.objects.order_by("pk"))
    spaces = list(Space.objects.order_by("pk"))
    company_of: dict[int, list[int]] = {}
    for member_id, company_id in CompanyMembership.objects.values_list("member_id", "company_id"):
        company_of.setdefault(member_id, []).append(company_id)
    spaces_of: dict[int, list[int]] = {}
    for member_id, space_id in SpaceMembership.objects.values_list("member_id", "space_id"):
        spaces_of.setdefault(member_id, []).append(space_id)
    skill_names: dict[int, list[str]] = {}
    for member_id, name in MemberSkill.objects.filter(
        kind__in=[SkillKind.SKILL, SkillKind.OFFER]
    ).values_list("member_id", "skill__name_it"):
        skill_names.setdefault(member_id, []).append(name)
    names = {
        "skills": sorted({name for group in skill_names.values() for name in group}) or ["design"],
        "spaces": [space.name for space in spaces] or ["Officina"],
        "companies": [company.name for company in companies] or ["Officina"],
        "people": [member.first_name for member in members],
    }

    # Profiles ---------------------------------------------------------------------------
    profiles = []
    for member in members:
        own_skills = skill_names.get(member.pk) or names["skills"]
        fill = {
            "city": rng.choice(["Milano", "Torino", "Bologna"]),
            "skill": rng.choice(own_skills),
        }
        # The demo login runs an architecture studio: give her the matching headline.
        headline = "Architettura e interni" if member == members[0] else rng.choice(ROLES_IT)
        slug = f"{member.first_name}{member.last_name}".lower().replace(" ", "").replace("'", "")
        links = []
        if rng.random() < 0.6:
            links.append(f"https://www.linkedin.com/in/{slug}")
        if rng.random() < 0.3:
            links.append(f"https://{slug}.it")
        profiles.append(
            Profile(
                member=member,
                headline=headline[:120],
                bio=" ".join(
                    (
                        rng.choice(BIO_OPENINGS).format(**fill),
                        rng.choice(BIO_CLOSINGS).format(**fill),
                    )
                ),
                links=links,
            )
        )
    Profile.objects.bulk_create(profiles)

    # Follows: colleagues and space mates mostly, a few people at random ------------------
    follows: dict[tuple[str, int, int], Follow] = {}
    by_company: dict[int, list[Member]] = {}
    for member in members:
        for company_id in company_of.get(member.pk, []):
            by_company.setdefault(company_id, []).append(member)
    for member in members:
        candidates = [m for c in company_of.get(member.pk, []) for m in by_company[c]]
        candidates += rng.sample(members, 8)
        for other in rng.sample(candidates, min(len(candidates), rng.randint(4, 12))):
            if other.pk != member.pk:
                follows[("m", member.pk, other.pk)] = Follow(follower=member, member=other)
        for company in rng.sample(companies, min(len(companies), rng.randint(1, 3))):
            follows[("c", member.pk, company.pk)] = Follow(follower=member, company=company)
        for space_id in spaces_of.get(member.pk, []):
            follows[("s", member.pk, space_id)] = Follow(follower=member, space_id=space_id)
    Follow.objects.bulk_create(follows.values())

    # Posts ------------------------------------------------------------------------------
    post_count = max(60, len(members) * 2)
    posts: list[Post] = []
    stamps = []
    for _ in range(post_count):
        author = rng.choice(members)
        template = rng.choice(POSTS_EN if rng.random() < 0.15 else POSTS_IT)
        body = _fill(template, context, names)
        own_companies = company_of.get(author.pk, [])
        own_spaces = spaces_of.get(author.pk, [])
        roll = rng.random()
        post = Post(author=author, body=body, visibility=Visibility.COMMUNITY)
        if roll < 0.1 and own_companies:
            post.company_id = rng.choice(own_companies)
        elif roll < 0.18 and own_companies:
            post.visibility, post.company_id = Visibility.COMPANY, rng.choice(own_companies)
        elif roll < 0.28 and own_spaces:
            post.visibility, post.space_id = Visibility.SPACE, rng.choice(own_spaces)
        elif roll < 0.35 and own_spaces:
            post.space_id = rng.choice(own_spaces)
        posts.append(post)
        stamps.append(now - timedelta(minutes=rng.randint(5, 60 * 24 * 45)))

    comments: list[tuple[int, Comment]] = []
    reactions: dict[tuple[int, int], tuple[int, Reaction]] = {}
    for index, post in enumerate(posts):
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
            text = rng.choice(COMMENTS_EN if "the" in post.body.split() else COMMENTS_IT)
            comments.append((index, Comment(author=rng.choice(members), body=text)))
        for member in rng.sample(members, rng.choice([0, 1, 2, 3, 5, 8, 12])):
            kind = rng.choice(
                [ReactionKind.LIKE] * 5
                + [ReactionKind.CELEBRATE, ReactionKind.INSIGHTFUL, ReactionKind.SUPPORT]
                + [ReactionKind.FUNNY]
            )
            reactions[(index, member.pk)] = (index, Reaction(member=member, kind=kind))
    comment_totals = Counter(index for index, _comment in comments)
    reaction_totals = Counter(index for index, _member_id in reactions)
    for index, post in enumerate(posts):
        post.comment_count = comment_totals[index]
        post.reaction_count = reaction_totals[index]
    Post.objects.bulk_create(posts)
    # created_at is auto_now_add: set the spread-out history afterwards.
    for post, stamp in zip(posts, stamps, strict=True):
        post.created_at = stamp
    Post.objects.bulk_update(posts, ["created_at"], batch_size=500)

    comment_rows = []
    for index, comment in comments:
        comment.post = posts[index]
        comment_rows.append(comment)
    Comment.objects.bulk_create(comment_rows)
    for index, comment in comments:
        comment.created_at = min(now, stamps[index] + timedelta(minutes=rng.randint(3, 600)))
    Comment.objects.bulk_update(comment_rows, ["created_at"], batch_size=500)
    reaction_rows = []
    for index, reaction in reactions.values():
        reaction.post = posts[index]
        reaction_rows.append(reaction)
    Reaction.objects.bulk_create(reaction_rows)

    # Direct messages --------------------------------------------------------------------
    pairs: set[tuple[int, int]] = set()
    first = members[0]  # the demo login: give them a lively inbox
    wanted = [(first, other) for other in rng.sample(members[1:], min(6, len(members) - 1))]
    while len(wanted) < max(8, len(members) // 5):
        one, other = rng.sample(members, 2)
        wanted.append((one, other))
    conversations, participants, messages, message_stamps = [], [], [], []
    for one, other in wanted:
        key = (min(one.pk, other.pk), max(one.pk, other.pk))
        if key in pairs:
            continue
        pairs.add(key)
        conversations.append((Conversation(pair_key=f"{key[0]}:{key[1]}"), [one, other]))
    groups = [rng.sample(members, 4) for _ in range(3)]
    titles = ["Pranzo del venerdì", "Bando regionale", "Laboratorio di stampa 3D"]
    for title, people in zip(titles, groups, strict=True):
        if first not in people:
            people[0] = first
        conversations.append((Conversation(title=title), people))
    Conversation.objects.bulk_create([conversation for conversation, _p in conversations])
    for conversation, people in conversations:
        start = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
        for person in people:
            participants.append(ConversationMember(conversation=conversation, member=person))
        offset = rng.choice([0, 4, 8])
        for turn in range(rng.randint(2, 4)):
            sender = people[turn % len(people)]
            # The lines make a dialogue when read in order; each conversation starts elsewhere.
            body = MESSAGES_IT[(offset + turn) % len(MESSAGES_IT)]
            messages.append(Message(conversation=conversation, sender=sender, body=body))
            message_stamps.append(start + timedelta(minutes=7 * turn + rng.randint(0, 5)))
        conversation.last_message_at = message_stamps[-1]
    ConversationMember.objects.bulk_create(participants)
    Message.objects.bulk_create(messages)
    for message, stamp in zip(messages, message_stamps, strict=True):
        message.created_at = stamp
    Message.objects.bulk_update(messages, ["created_at"], batch_size=500)
    Conversation.objects.bulk_update(
        [conversation for conversation, _p in conversations], ["last_message_at"]
    )
    # Everyone has read everything but the demo login's two latest conversations.
    for participant in participants:
        participant.last_read_at = participant.conversation.last_message_at
    unread = sorted(
        (c for c, people in conversations if first in people),
        key=lambda c: c.last_message_at or now,
    )[-2:]
    for participant in participants:
        if participant.conversation in unread and participant.member_id == first.pk:
            participant.last_read_at = None
    ConversationMember.objects.bulk_update(participants, ["last_read_at"], batch_size=500)
