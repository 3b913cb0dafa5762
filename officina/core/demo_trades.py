"""The demo community's trades: what each demo member does for a living.

A trade names a headline, the skills that belong to it (slugs of the curated taxonomy,
``officina/skills/curated.py``) and a few posts someone in that trade would write. The
skills loader gives each member a trade and lists skills from it only; the profile
loader writes its headline; the posts loader lets members write about their own work;
the questions loader picks answerers whose skills meet a question's tags. So a UX
designer lists design skills and posts about design, an accountant writes about VAT.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Trade:
    headline: str
    skills: tuple[str, ...]
    posts: tuple[str, ...]


TRADES: tuple[Trade, ...] = (
    Trade(
        "Architettura e interni",
        ("architecture", "interior-design", "3d-modelling"),
        (
            "Sopralluogo finito in un appartamento anni '60 in zona Navigli: pavimenti in "
            "graniglia da salvare a tutti i costi.",
            "Consiglio a chi ristruttura: prima di scegliere le finiture, chiedete la "
            "pratica edilizia completa. Le sorprese costano più delle piastrelle.",
            "Ho chiuso il progetto di una piccola libreria: scaffali fino al soffitto e una "
            "scala su binario. Foto appena arrivano!",
        ),
    ),
    Trade(
        "Sviluppo web full-stack",
        ("web-development", "javascript", "typescript", "react", "wordpress", "e-commerce"),
        (
            "Migrato un e-commerce da un vecchio tema a un front-end in React: pagine "
            "prodotto tre volte più veloci, e il cliente se n'è accorto.",
            "Promemoria per chi fa siti: testate i moduli da telefono, con la tastiera "
            "aperta. Metà dei problemi li trovate lì.",
            "Oggi ho scoperto un bug di fuso orario in un calendario di prenotazioni. "
            "Salvate le date in UTC, sempre.",
        ),
    ),
    Trade(
        "Sviluppo backend in Python",
        ("python", "django", "backend-development", "sql", "devops", "cybersecurity"),
        (
            "Aggiornato un progetto Django di quattro anni fa all'ultima versione: con i "
            "test scritti bene è stato un pomeriggio, non una settimana.",
            "Chi usa PostgreSQL in produzione: avete mai provato un ripristino dal backup? "
            "Fatelo questo mese.",
            "Ho messo in piedi il deploy automatico per un cliente: un comando, e se i test "
            "falliscono non parte niente.",
        ),
    ),
    Trade(
        "UX e ricerca con gli utenti",
        ("ux-design", "user-research", "ui-design", "prototyping"),
        (
            "Cinque interviste con gli utenti di un'app di prenotazioni e lo stesso "
            'problema è venuto fuori quattro volte: il pulsante "conferma" non si vede.',
            "Un prototipo cliccabile in Figma ci ha risparmiato due settimane di sviluppo: "
            "abbiamo buttato l'idea prima di scriverla.",
            "Cerco tre persone del coworking per un test di usabilità di 20 minuti. "
            "Offro caffè e gratitudine.",
        ),
    ),
    Trade(
        "Grafica e identità visiva",
        ("graphic-design", "brand-identity", "illustration"),
        (
            "Nuova identità per una torrefazione di quartiere: logo, etichette e insegna. "
            "Il marrone non è obbligatorio, anche se si parla di caffè.",
            'Quando un cliente dice "fammi vedere qualche proposta", rispondo con un '
            "brief da compilare. Si risparmia tempo in due.",
            "Stampate le prove colore prima di approvare le etichette: lo schermo mente.",
        ),
    ),
    Trade(
        "Contabilità e bilanci per piccole imprese",
        ("accounting", "tax", "finance", "spreadsheets"),
        (
            "Scadenza IVA trimestrale il 16: chi ha fatture di fornitori ancora da "
            "registrare me le mandi entro venerdì.",
            "Un consiglio a chi ha appena aperto una SRL: separate subito il conto "
            "aziendale da quello personale. Il bilancio ringrazia.",
            "Ho preparato un foglio di calcolo per il flusso di cassa dei prossimi sei mesi: "
            "se vi serve, ve lo giro.",
        ),
    ),
    Trade(
        "Fisco e IVA per freelance",
        ("tax", "accounting", "business-planning"),
        (
            "Forfettari: ricordate che il limite dei ricavi si guarda sull'incassato, non "
            "sul fatturato. Chiedetemi se siete vicini alla soglia.",
            "Fattura a un cliente tedesco? Niente IVA italiana, si va in inversione "
            "contabile: scrivetelo in fattura con il riferimento all'articolo 7-ter.",
            "Giovedì alle 13 faccio mezz'ora di domande e risposte su partita IVA e "
            "contributi INPS in sala grande.",
        ),
    ),
    Trade(
        "Consulenza legale d'impresa",
        ("contract-law", "company-law", "privacy-gdpr", "intellectual-property", "labour-law"),
        (
            "Chi lavora con fornitori che trattano i dati dei vostri clienti: serve la "
            "nomina a responsabile del trattamento. Non è solo burocrazia.",
            "Prima di firmare un contratto di collaborazione leggete la clausola sulla "
            "proprietà del lavoro: spesso è lì che si perde tutto.",
            "Registrare un marchio costa meno di quanto si pensi. Costa molto di più "
            "scoprire che qualcun altro l'ha fatto prima.",
        ),
    ),
    Trade(
        "Copywriting e contenuti",
        ("copywriting", "content-strategy", "storytelling", "editing"),
        (
            'Riscritto il sito di uno studio di fisioterapia: meno "eccellenza", più '
            '"mal di schiena". Le richieste di appuntamento sono raddoppiate.',
            "Un titolo vale più di tre paragrafi. Se non sapete cosa scrivere, partite da "
            "cosa cerca il lettore.",
            "Piano editoriale di dicembre chiuso per due clienti. Ora posso pensare al mio.",
        ),
    ),
    Trade(
        "Fotografia di prodotto e ritratto",
        ("photography", "product-photography", "video-editing"),
        (
            "Set di still life per un laboratorio di borse in pelle: fondale bianco, un "
            "solo flash e tanta pazienza con i riflessi.",
            "Ritratti per i profili di lavoro: giovedì pomeriggio sono in sala relax con "
            "luci e fondale, prenotate un quarto d'ora.",
            "Consiglio: per le foto del catalogo scattate tutti i prodotti con la stessa "
            "luce nello stesso giorno. La coerenza si vede.",
        ),
    ),
    Trade(
        "Social media e comunità online",
        ("social-media", "community-management", "content-strategy", "digital-marketing"),
        (
            "Un mese di post su LinkedIn per un cliente B2B: meno grafiche patinate, più "
            "foto vere dal laboratorio. Commenti triplicati.",
            "Gestire una comunità online è come gestire un coworking: le regole servono, "
            "ma conta di più chi risponde per primo.",
            "Chi vuole fare due chiacchiere su Instagram per piccoli negozi? Organizzo un "
            "pranzo a tema la settimana prossima.",
        ),
    ),
    Trade(
        "Gestione di progetti digitali",
        ("project-management", "product-management", "facilitation"),
        (
            "Una riunione di avvio di un'ora con cliente e fornitori ci ha evitato tre "
            "settimane di mail. Scrivete chi decide cosa.",
            "Kanban sulla parete o in un'app? Noi li teniamo entrambi, e ogni venerdì li "
            "allineiamo in dieci minuti.",
            "Progetto consegnato nei tempi anche grazie a un fornitore conosciuto qui. "
            "Il coworking funziona.",
        ),
    ),
    Trade(
        "Marketing per il commercio locale",
        ("digital-marketing", "seo", "analytics", "sales", "event-organisation", "press-office"),
        (
            "Una scheda Google curata porta a un negozio di quartiere più clienti di una "
            "campagna a pagamento. Foto, orari aggiornati e risposte alle recensioni.",
            "Evento di inaugurazione organizzato per una gelateria: comunicato ai giornali "
            "locali e due articoli usciti. Non serve sempre un budget.",
            "Chi ha un negozio online: controllate quali pagine portano visite da Google. "
            "Spesso non sono quelle che pensate.",
        ),
    ),
    Trade(
        "Traduzioni inglese e tedesco",
        ("translation-en-it", "german", "technical-writing", "editing"),
        (
            "Consegnata la traduzione in tedesco del manuale di una macchina per il caffè: "
            "180 pagine e un glossario che ora vale oro.",
            "Tradurre un sito non è tradurre un testo: i menu, i pulsanti e le mail "
            "automatiche si dimenticano sempre.",
            'Chi vende in Germania: "Impressum" e condizioni di vendita vanno tradotti '
            "bene, non con un traduttore automatico.",
        ),
    ),
    Trade(
        "Stampa 3D e prototipi",
        ("3d-printing", "3d-modelling", "prototyping", "laser-cutting", "electronics"),
        (
            "La stampante in resina del laboratorio è calibrata: dettagli da 0,05 mm. "
            "Chi ha prototipi di gioielli si faccia avanti.",
            "Prototipo di un supporto per tablet stampato in PETG, tagliato al laser il "
            "coperchio e montato con un Arduino. Tre giorni in tutto.",
            "Prima di stampare, controllate lo spessore delle pareti del modello. La "
            "stampante non perdona.",
        ),
    ),
    Trade(
        "Falegnameria e arredi su misura",
        ("carpentry", "laser-cutting", "interior-design"),
        (
            "Finita una libreria in rovere per uno studio legale: incastri a coda di "
            "rondine e niente viti in vista.",
            "Scarti di multistrato di betulla in laboratorio: se vi servono per piccoli "
            "progetti, passate a prenderli.",
            "Un tavolo su misura per la sala riunioni piccola: ci stanno otto persone e "
            "due computer senza gomitate.",
        ),
    ),
    Trade(
        "Analisi dei dati",
        ("data-analysis", "data-visualisation", "sql", "spreadsheets", "machine-learning"),
        (
            "Cruscotto delle vendite per una catena di tre negozi: una query SQL e un "
            "grafico hanno chiarito più di un anno di riunioni.",
            "Prima di parlare di machine learning, chiedetevi se i dati che avete sono "
            "puliti. Di solito la risposta è no.",
            "Un grafico a torta con dodici fette non è un grafico, è un indovinello.",
        ),
    ),
    Trade(
        "Formazione e laboratori",
        ("teaching", "facilitation", "public-speaking", "coaching"),
        (
            "Laboratorio di mezza giornata sul parlare in pubblico: dodici persone, "
            "dodici presentazioni da tre minuti, nessuno è svenuto.",
            "Facilitare una riunione significa soprattutto far parlare chi di solito tace.",
            "Aperte le iscrizioni al percorso di mentoring per chi ha appena aperto la "
            "partita IVA: sei incontri, uno al mese.",
        ),
    ),
    Trade(
        "Video e montaggio",
        ("video-editing", "motion-graphics", "drone-footage", "podcasting"),
        (
            "Montato il video di presentazione di un'azienda agricola: riprese col drone "
            "all'alba, valeva la sveglia alle cinque.",
            "L'audio conta più dell'immagine: un microfono a clip da trenta euro salva "
            "qualsiasi intervista.",
            "Sto registrando un podcast sulle botteghe artigiane della città: se ne "
            "conoscete una con una bella storia, scrivetemi.",
        ),
    ),
    Trade(
        "Prodotti digitali",
        ("product-management", "ux-design", "mobile-apps", "project-management"),
        (
            "Tolta una funzione dall'app che nessuno usava: meno codice da mantenere e "
            "utenti più contenti. A volte il lavoro è togliere.",
            "La roadmap non è una promessa, è un'ipotesi. Ditelo ai clienti prima che ve "
            "lo chiedano.",
            "Rilasciata la nuova versione dell'app per le prenotazioni delle palestre: "
            "iscrizione in tre tocchi invece di nove.",
        ),
    ),
    Trade(
        "Raccolta fondi e bandi",
        ("fundraising", "business-planning", "finance"),
        (
            "Aperto il bando regionale per la digitalizzazione delle piccole imprese: "
            "contributo a fondo perduto fino al 50%. Chi è interessato mi scriva.",
            "Un piano d'impresa per un bando non è un tema: servono numeri, preventivi "
            "firmati e tempi realistici.",
            "Campagna di crowdfunding chiusa al 140% per un laboratorio di ceramica del "
            "quartiere. Complimenti a tutto il gruppo!",
        ),
    ),
    Trade(
        "Risorse umane e selezione",
        ("hr-recruiting", "labour-law", "coaching"),
        (
            "Tre colloqui oggi per un'agenzia del secondo piano: la domanda che funziona di "
            'più resta "raccontami un errore e cosa hai cambiato dopo".',
            "Il primo giorno di un nuovo assunto dice molto dell'azienda: computer pronto, "
            "qualcuno che lo aspetta, un pranzo insieme. Costa poco.",
            "Chi assume per la prima volta: scrivete l'annuncio partendo da cosa farà la "
            "persona nei primi tre mesi, non da un elenco di requisiti.",
        ),
    ),
    Trade(
        "Vendite ed export per artigiani",
        ("sales", "export", "e-commerce"),
        (
            "Prima spedizione di borse in Svizzera con le pratiche doganali fatte bene: il "
            "cliente ha ricevuto il pacco senza sorprese all'arrivo.",
            "Fiera a Francoforte la prossima settimana: chi vende all'estero e vuole "
            "dividere lo stand, mi scriva.",
            "Un listino per i rivenditori, uno per i privati e uno per l'estero: tre fogli "
            "semplici, e le trattative si accorciano.",
        ),
    ),
    Trade(
        "Ceramica e artigianato",
        ("ceramics", "tailoring", "3d-printing"),
        (
            "Nuova infornata di tazze in gres dal laboratorio: smalto blu cobalto, "
            "qualche bolla di troppo ma ci piacciono così.",
            "Corso base di tornio il sabato mattina: quattro posti, grembiule obbligatorio.",
            "Stampi in gesso ricavati da un modello stampato in 3D: la tecnologia aiuta "
            "anche la ceramica.",
        ),
    ),
)

BY_HEADLINE = {trade.headline: trade for trade in TRADES}
DEMO_LOGIN_HEADLINE = "Architettura e interni"
