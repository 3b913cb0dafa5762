"""Demo social network: profiles, follows, a few hundred posts (mostly Italian), comments,
reactions and direct messages, each made by the action a member's click would call (the
bulk forms where there are many); timestamps spread over weeks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from officina.accounts.selectors import (
    all_spaces,
    community_members,
    companies_directory,
    member_companies,
    member_space_ids,
)
from officina.core.demo import DemoContext
from officina.core.demo_trades import BY_HEADLINE, DEMO_LOGIN_HEADLINE, TRADES
from officina.skills.selectors import top_skills_of
from officina.social.actions import (
    CommentDraft,
    PostDraft,
    ReactionDraft,
    check_add_comments,
    check_add_reactions,
    check_create_posts,
    check_follow_many,
    check_send_message,
    check_start_conversation,
    do_mark_conversation_read,
    do_update_profile,
)
from officina.social.kinds import ReactionKind, Visibility

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.social.models import Conversation

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
    "Qualcuno ha esperienza con {need}? Sto valutando se affidarmi a un esterno o imparare "
    "da zero.",
    "Oggi in {space} c'è un profumo di caffè che si sente dalle scale. Grazie a chi ha "
    "portato la moka nuova ☕",
    "Abbiamo appena chiuso un progetto con {company}: tre mesi intensi, ma il risultato ci "
    "piace molto.",
    "Cerco un/una esperto/a di {need} per un lavoro di due settimane a partire da "
    "{weekday}. Scrivetemi in privato!",
    "Promemoria: {weekday} alle 13 pranzo condiviso in sala grande. Ognuno porta qualcosa 🍝",
    "Ho scritto due righe su cosa ho imparato facendo {skill} per un cliente difficile. "
    "Lezione principale: mettere tutto per iscritto.",
    "Qualcuno va all'evento sul {skill} a {city} la settimana prossima? Si potrebbe andare "
    "insieme.",
    "Grazie {person} per l'aiuto di ieri con la fattura elettronica: mi hai salvato la giornata.",
    "Sto cercando un fotografo per gli scatti del nuovo catalogo. Budget contenuto ma "
    "progetto bello.",
    "Nuovo cliente in arrivo grazie a un contatto conosciuto qui in coworking. Il "
    "passaparola funziona ancora!",
    "Consiglio del giorno: fate il backup. Oggi. Adesso. Fidatevi.",
    "Bellissima la chiacchierata di ieri sera su {skill}. Chi vuole le slide me le chieda.",
    "{space}: il Wi-Fi della sala riunioni piccola è stato potenziato, adesso regge anche le "
    "videochiamate lunghe.",
    "Sto organizzando un piccolo laboratorio di {skill} per principianti. Se vi interessa "
    "mettete un like così capisco quanti siamo.",
    "Cerchiamo uno stagista per sei mesi: {skill}, ambiente giovane, buon caffè. Giro "
    "volentieri i dettagli.",
    "Finalmente consegnato il sito per {company}! Grazie a tutti quelli che hanno fatto da tester.",
    "Qualcuno conosce un buon commercialista per una start-up innovativa? Meglio se abituato "
    "a bandi regionali.",
    "Oggi lavoro da remoto dal coworking digitale: chi c'è per una pausa caffè virtuale alle 11?",
    "Aperte le iscrizioni al corso di {skill} del mese prossimo. Posti limitati a dodici persone.",
    "Domanda da un milione: preventivo a ore o a progetto? Voi come fate?",
    "Ho trovato un ombrello blu in sala relax. Se è vostro è sul mobile dell'ingresso ☂️",
    "Cerco qualcuno con cui scambiare competenze: io offro {skill}, mi serve una mano con {need}.",
    "Tre cose che ho imparato lavorando con {company}: ascoltare, fare domande, consegnare "
    "in anticipo.",
    "Venerdì aperitivo in terrazza per salutare l'estate. Portate amici e colleghi!",
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
    "Anyone here experienced with {need}? Happy to buy coffee in exchange for an hour of advice.",
    "Just shipped a big release for {company}. Thanks to everyone who tested it over lunch!",
    "Looking for a freelancer who knows {need} for a two-week project starting {weekday}.",
    "New in {city} and in the community: say hi if you see me at the window desk!",
    "Sharing my notes from the {skill} meetup last night; message me for the slides.",
    "We are hiring a junior for {skill}. Remote-friendly, based in {city}.",
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


def _fill(template: str, context: DemoContext, names: dict[str, list[str]], own: list[str]) -> str:
    """``{skill}`` is one of the author's own, ``{need}`` one they do not have."""
    rng = context.random
    others = [name for name in names["skills"] if name not in own] or names["skills"]
    return template.format(
        skill=rng.choice(own or names["skills"]),
        need=rng.choice(others),
        space=rng.choice(names["spaces"]),
        company=rng.choice(names["companies"]),
        person=rng.choice(names["people"]),
        city=rng.choice(["Milano", "Torino", "Bologna", "Bergamo"]),
        weekday=rng.choice(WEEKDAYS),
    )


def populate(context: DemoContext) -> None:
    rng = context.random
    members = list(community_members())
    if len(members) < 3:
        return
    now = timezone.now()
    companies = list(companies_directory().order_by("pk"))
    company_by_id = {company.pk: company for company in companies}
    spaces = sorted(all_spaces(), key=lambda space: space.pk)
    space_by_id = {space.pk: space for space in spaces}
    company_of = {
        member.pk: [membership.company_id for membership in member_companies(member)]
        for member in members
    }
    spaces_of = {member.pk: sorted(member_space_ids(member)) for member in members}
    skill_names = {
        member_id: [skill.name_it for skill in skills]
        for member_id, skills in top_skills_of([m.pk for m in members], per_member=20).items()
    }
    names = {
        "skills": sorted({name for group in skill_names.values() for name in group}) or ["design"],
        "spaces": [space.name for space in spaces] or ["Officina"],
        "companies": [company.name for company in companies] or ["Officina"],
        "people": [member.first_name for member in members],
    }

    # Profiles ---------------------------------------------------------------------------
    for member in members:
        own_skills = skill_names.get(member.pk) or names["skills"]
        fill = {
            "city": rng.choice(["Milano", "Torino", "Bologna"]),
            "skill": rng.choice(own_skills),
        }
        # The headline names the member's trade (chosen with their skills); the demo login
        # runs an architecture studio.
        trade = context.trades.get(member.pk)
        if trade is None:  # skills were not loaded: any trade will do
            trade = BY_HEADLINE[DEMO_LOGIN_HEADLINE] if member == members[0] else rng.choice(TRADES)
            context.trades[member.pk] = trade
        headline = trade.headline
        slug = f"{member.first_name}{member.last_name}".lower().replace(" ", "").replace("'", "")
        links = []
        if rng.random() < 0.6:
            links.append(f"https://www.linkedin.com/in/{slug}")
        if rng.random() < 0.3:
            links.append(f"https://{slug}.it")
        bio = " ".join(
            (rng.choice(BIO_OPENINGS).format(**fill), rng.choice(BIO_CLOSINGS).format(**fill))
        )
        do_update_profile(member, headline=headline[:120], bio=bio, links=links)

    # Follows: colleagues and space mates mostly, a few people at random ------------------
    by_company: dict[int, list[Member]] = {}
    for member in members:
        for company_id in company_of[member.pk]:
            by_company.setdefault(company_id, []).append(member)
    for member in members:
        candidates = [m for c in company_of[member.pk] for m in by_company[c]]
        candidates += rng.sample(members, 8)
        chosen = rng.sample(candidates, min(len(candidates), rng.randint(4, 12)))
        check_follow_many(
            member,
            [
                *(other for other in chosen if other.pk != member.pk),
                *rng.sample(companies, min(len(companies), rng.randint(1, 3))),
                *(space_by_id[space_id] for space_id in spaces_of[member.pk]),
            ],
        )

    # Posts, oldest first, then comments and reactions ----------------------------------------
    drafts: list[PostDraft] = []
    for _ in range(max(60, len(members) * 2)):
        author = rng.choice(members)
        # Half of what people write is about their own work, in their own words.
        roll = rng.random()
        if roll < 0.5:
            body = rng.choice(context.trades[author.pk].posts)
        else:
            template = rng.choice(POSTS_EN if roll > 0.9 else POSTS_IT)
            body = _fill(template, context, names, skill_names.get(author.pk, []))
        own_companies = company_of[author.pk]
        own_spaces = spaces_of[author.pk]
        roll = rng.random()
        visibility, space, company = Visibility.COMMUNITY, None, None
        if roll < 0.1 and own_companies:
            company = company_by_id[rng.choice(own_companies)]
        elif roll < 0.18 and own_companies:
            visibility, company = Visibility.COMPANY, company_by_id[rng.choice(own_companies)]
        elif roll < 0.28 and own_spaces:
            visibility, space = Visibility.SPACE, space_by_id[rng.choice(own_spaces)]
        elif roll < 0.35 and own_spaces:
            space = space_by_id[rng.choice(own_spaces)]
        at = now - timedelta(minutes=rng.randint(5, 60 * 24 * 45))
        drafts.append(PostDraft(author, body, visibility, space, company, at))
    drafts.sort(key=lambda draft: draft.at or now)
    posts = check_create_posts(drafts)

    comments: list[CommentDraft] = []
    reactions: list[ReactionDraft] = []
    for post in posts:
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
            text = rng.choice(COMMENTS_EN if "the" in post.body.split() else COMMENTS_IT)
            at = min(now, post.created_at + timedelta(minutes=rng.randint(3, 600)))
            comments.append(CommentDraft(rng.choice(members), post, text, at))
        reactors = rng.sample(members, rng.choice([0, 1, 2, 3, 5, 8, 12]))
        kinds = (
            [ReactionKind.LIKE] * 5
            + [ReactionKind.CELEBRATE, ReactionKind.INSIGHTFUL, ReactionKind.SUPPORT]
            + [ReactionKind.FUNNY]
        )
        at = min(now, post.created_at + timedelta(minutes=rng.randint(1, 300)))
        reactions += [ReactionDraft(member, post, rng.choice(kinds), at) for member in reactors]
    check_add_reactions(reactions)
    comments.sort(key=lambda draft: draft.at or now)
    check_add_comments(comments)

    # Direct messages --------------------------------------------------------------------
    first = members[0]  # the demo login: give them a lively inbox
    wanted = [(first, other) for other in rng.sample(members[1:], min(6, len(members) - 1))]
    while len(wanted) < max(8, len(members) // 5):
        one, other = rng.sample(members, 2)
        wanted.append((one, other))
    pairs: set[tuple[int, int]] = set()
    talks: list[tuple[str, list[Member]]] = []
    for one, other in wanted:
        key = (min(one.pk, other.pk), max(one.pk, other.pk))
        if key not in pairs:
            pairs.add(key)
            talks.append(("", [one, other]))
    titles = ["Pranzo del venerdì", "Bando regionale", "Laboratorio di stampa 3D"]
    for title in titles:
        people = rng.sample(members, 4)
        if first not in people:
            people[0] = first
        talks.append((title, people))
    giulias: list[tuple[datetime, Conversation]] = []
    for title, people in talks:
        conversation = check_start_conversation(people[0], people[1:], title=title)
        start = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
        offset = rng.choice([0, 4, 8])
        last = start
        for turn in range(rng.randint(2, 4)):
            # The lines make a dialogue when read in order; each conversation starts elsewhere.
            body = MESSAGES_IT[(offset + turn) % len(MESSAGES_IT)]
            last = start + timedelta(minutes=7 * turn + rng.randint(0, 5))
            check_send_message(people[turn % len(people)], conversation, body, at=last)
        # Everyone has read everything but the demo login's two latest conversations.
        for person in people:
            if person != first:
                do_mark_conversation_read(person, conversation)
        if first in people:
            giulias.append((last, conversation))
    giulias.sort(key=lambda pair: pair[0])
    for _last, conversation in giulias[:-2]:
        do_mark_conversation_read(first, conversation)
