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
    from officina.accounts.models import Member

# (title, details, tags as skill slugs, answers, accepted): the first answer is the one the
# asker accepts when the question is marked accepted. Each is answered by people whose
# trade lists one of its tags (officina/core/demo_trades.py); the accepted answer by
# someone whose trade holds every tag, since accepting adds the tags to their skills.
THREADS: list[tuple[str, str, list[str], list[str], bool]] = [
    (
        "Chi conosce un buon commercialista per partite IVA in regime forfettario?",
        "Ho aperto la partita IVA a marzo e vorrei qualcuno che segua anche l'INPS gestione "
        "separata. Budget contenuto.",
        ["accounting", "tax"],
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
        ["brand-identity", "graphic-design"],
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
        ["fundraising", "business-planning"],
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
        ["privacy-gdpr", "contract-law"],
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
        ["3d-printing", "prototyping"],
        [
            "Resina senza dubbio, meglio se castable. Il filamento non regge quei dettagli.",
            "Nel laboratorio del Navigli ce n'è una: prenotala e fai una prova prima di comprare.",
        ],
        True,
    ),
    (
        "Consigli per un corso di public speaking in italiano a Milano?",
        "Devo presentare il nostro progetto a un evento di settore a novembre.",
        ["public-speaking", "teaching"],
        [
            "Più che un corso, fai tre prove davanti a persone del coworking: il venerdì "
            "pomeriggio c'è sempre qualcuno disponibile.",
        ],
        False,
    ),
    (
        "Traduzione tecnica di un manuale dall'inglese: a cartella o a parola?",
        "Sono circa 40 pagine di manuale d'uso per macchinari. Che tariffa è corretta?",
        ["translation-en-it", "technical-writing"],
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
        ["video-editing", "social-media"],
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
        ["web-development", "e-commerce"],
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
        ["python", "django", "devops"],
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
        ["analytics", "privacy-gdpr"],
        [
            "A cookieless, self-hosted analytics tool gives you page views, referrers and "
            "campaigns, which is what most small sites actually look at.",
        ],
        False,
    ),
    (
        "Tips for onboarding a first employee in a two-person company?",
        "We're hiring our first developer next month and have no HR process at all.",
        ["hr-recruiting", "labour-law"],
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
        ["sql", "data-analysis"],
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
        ["python", "backend-development"],
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
        ["product-photography", "photography"],
        [
            "A large diffuser, a white sweep and a tripod will get you 80% there. Shoot tethered "
            "so you check focus on a big screen.",
        ],
        False,
    ),
    (
        "What makes a good UX research interview?",
        "First time interviewing users of our booking app.",
        ["user-research", "ux-design"],
        [
            "Ask about the last time they did the thing, not about what they would do. Past "
            "behaviour is data; opinions about the future are guesses.",
            "Record with consent and have a second person take notes, so you can listen.",
        ],
        True,
    ),
    (
        "Fattura a un cliente tedesco: serve l'IVA?",
        "Sono grafica in regime ordinario e ho un cliente a Monaco, un'azienda con partita IVA "
        "comunitaria. Cosa scrivo in fattura?",
        ["tax", "accounting"],
        [
            "Niente IVA italiana: è un servizio generico verso un soggetto passivo UE, quindi "
            "fattura non imponibile ai sensi dell'art. 7-ter con la dicitura \"inversione "
            'contabile". Verifica prima la partita IVA del cliente sul VIES.',
            "E ricordati dell'elenco Intrastat dei servizi, se sei tenuta a presentarlo: "
            "chiedi al tuo commercialista la periodicità.",
        ],
        True,
    ),
    (
        "Forfettario: cosa succede se supero gli 85.000 euro a metà anno?",
        "Quest'anno è andato bene e temo di sforare la soglia. Esco subito dal regime?",
        ["tax", "business-planning"],
        [
            "Dipende di quanto: tra 85.000 e 100.000 esci dall'anno successivo; oltre i "
            "100.000 esci subito e applichi l'IVA dalla fattura che fa superare la soglia.",
            "Conta l'incassato, non il fatturato: a volte basta concordare con un cliente "
            "il pagamento a gennaio.",
            "Fai comunque una simulazione del regime ordinario: con molti costi reali a "
            "volte conviene lo stesso.",
        ],
        True,
    ),
    (
        "Quanto accantonare per tasse e contributi il primo anno di partita IVA?",
        "Fatturo come copywriter da tre mesi e non ho idea di quanto tenere da parte.",
        ["tax", "accounting", "finance"],
        [
            "In forfettario con il 5% di imposta sostitutiva e la gestione separata, tieni "
            "da parte circa il 30% dell'incassato. Il secondo anno arrivano anche gli "
            "acconti: preparati a pagare quasi il doppio a giugno.",
            "Apri un conto separato e sposta lì la quota a ogni incasso. Sembra banale, "
            "ma salva il giugno di tutti.",
        ],
        True,
    ),
    (
        "Contratto con un cliente: chi è proprietario del codice che scrivo?",
        'Sviluppo un\'applicazione su commissione. Il cliente vuole "tutti i diritti": '
        "posso riusare le mie librerie in altri progetti?",
        ["contract-law", "intellectual-property"],
        [
            "Scrivilo nel contratto: cedi i diritti sul lavoro realizzato per il cliente, ma "
            "ti riservi quelli sul codice preesistente e sugli strumenti generici, che gli "
            "concedi in licenza d'uso. È una clausola comune e i clienti seri la accettano.",
            "Tieni un elenco delle librerie tue che usi nel progetto, allegato al contratto. "
            "In caso di contestazione è la prova più semplice.",
        ],
        True,
    ),
    (
        "Cookie banner: serve anche se uso solo analytics senza cookie?",
        "Sul sito del mio studio ho tolto Google Analytics e uso uno strumento che non "
        "salva cookie.",
        ["privacy-gdpr"],
        [
            "Se lo strumento non usa cookie né identificatori e non traccia tra siti, il "
            "banner non serve; basta l'informativa privacy aggiornata che lo descrive.",
            "Controlla però i contenuti incorporati: una mappa o un video di YouTube "
            "caricano cookie di terze parti. Usa le versioni che si attivano al clic.",
        ],
        True,
    ),
    (
        "Registrare un marchio: basta l'Italia o meglio l'Unione europea?",
        "Abbiamo un piccolo marchio di cosmetici naturali e iniziamo a vendere online anche "
        "in Francia e Austria.",
        ["intellectual-property", "company-law"],
        [
            "Se vendete già in altri Paesi, il marchio dell'Unione europea copre tutti i "
            "27 con una sola domanda e costa poco più di tre marchi nazionali.",
            "Prima della domanda fate una ricerca di anteriorità seria: il rischio non è il "
            "costo del deposito, è l'opposizione di chi c'era prima.",
        ],
        True,
    ),
    (
        "Assumere il primo dipendente o continuare con collaboratori?",
        "Siamo in due soci e il lavoro è stabile da un anno.",
        ["labour-law", "hr-recruiting"],
        [
            "Se il collaboratore lavora con i vostri orari, i vostri strumenti e sotto le "
            "vostre direttive, per la legge è già un dipendente. Meglio assumere prima che "
            "ve lo dica un ispettore.",
            "Valutate l'apprendistato: costa meno di contributi e vi obbliga a un piano di "
            "formazione, che non guasta.",
        ],
        True,
    ),
    (
        "SRL semplificata o ordinaria per una startup con due soci?",
        "Vorremmo far entrare un investitore entro un anno.",
        ["company-law", "fundraising"],
        [
            "Se prevedete un investitore, partite con la SRL ordinaria: lo statuto si può "
            "scrivere su misura (prelazione, trascinamento, categorie di quote), nella "
            "semplificata è standard e va comunque cambiato dopo.",
        ],
        False,
    ),
    (
        "Tempi di risposta di un cliente che non paga: quando mandare il sollecito?",
        "Fattura scaduta da 45 giorni, il cliente non risponde più alle mail.",
        ["contract-law"],
        [
            "Telefonata prima, poi una PEC con la messa in mora e un termine di quindici "
            "giorni. Spesso basta la PEC: cambia il tono della conversazione.",
            "Per le prossime volte: acconto del 30% all'ordine e consegna dei file finali "
            "dopo il saldo.",
        ],
        True,
    ),
    (
        "Logo: quanti formati devo consegnare al cliente?",
        "Prima identità visiva completa che consegno. Cosa si aspetta un cliente?",
        ["brand-identity", "graphic-design"],
        [
            "Versione principale, orizzontale e simbolo da solo; ognuna a colori, in nero e "
            "in negativo; vettoriale (SVG, PDF) e PNG per il web. Più un foglio con colori "
            "(CMYK, RGB, HEX) e caratteri.",
            "Aggiungi un piccolo manuale d'uso: aree di rispetto e dimensione minima. Ti "
            "evita di vedere il logo schiacciato su un furgone.",
        ],
        True,
    ),
    (
        "Caratteri tipografici: posso usare un font gratuito per un marchio commerciale?",
        "Il cliente si è innamorato di un font trovato su un sito di font gratis.",
        ["graphic-design", "brand-identity"],
        [
            'Leggi la licenza, non il sito: molti "gratis" lo sono solo per uso personale. '
            "Con licenza SIL Open Font License sei tranquillo anche per un logo.",
            "Per un marchio, se puoi, fai modificare le lettere: un logotipo con un font "
            "ritoccato è anche più riconoscibile.",
        ],
        True,
    ),
    (
        "Come presentare una proposta di identità visiva senza farsi chiedere dieci varianti?",
        'Ogni volta il cliente chiede "proviamo anche in verde".',
        ["brand-identity", "graphic-design", "illustration"],
        [
            "Presenta una sola direzione, argomentata rispetto al brief che il cliente ha "
            "firmato. Le varianti si discutono sul brief, non sul colore.",
            "Mostra il marchio applicato (insegna, biglietto, profilo social): un logo su "
            "sfondo bianco non convince nessuno.",
        ],
        True,
    ),
    (
        "Test di usabilità con pochi soldi: quanti utenti servono?",
        "Abbiamo un prototipo della nuova area clienti e zero budget per la ricerca.",
        ["user-research", "ux-design"],
        [
            "Cinque persone per ciclo bastano a trovare i problemi principali. Meglio tre "
            "cicli da cinque, correggendo in mezzo, che un solo test da quindici.",
            "Reclutate tra i clienti veri, non tra i colleghi: chi conosce il prodotto non "
            "inciampa dove inciampano gli altri.",
        ],
        True,
    ),
    (
        "Figma o carta per i primi wireframe?",
        "Con il cliente facciamo spesso workshop in presenza.",
        ["prototyping", "ui-design", "ux-design"],
        [
            "Carta nel workshop: nessuno si affeziona a uno schizzo e tutti osano "
            "disegnare. Figma dopo, quando la struttura è decisa.",
        ],
        False,
    ),
    (
        "Accessibilità: da dove parto per rendere accessibile un sito esistente?",
        "Un cliente pubblico ci chiede la conformità alle linee guida.",
        ["ux-design", "ui-design"],
        [
            "Un controllo automatico (axe, Lighthouse) trova circa un terzo dei problemi: "
            "contrasti, etichette, titoli. Poi provate tutto il sito solo con la tastiera e "
            "con un lettore di schermo.",
            "Partite dai moduli e dalla navigazione: sono le parti che bloccano davvero le "
            "persone.",
        ],
        True,
    ),
    (
        "WordPress o sito statico per uno studio professionale?",
        "Cinque pagine, un blog aggiornato due volte al mese, nessun e-commerce.",
        ["web-development", "wordpress"],
        [
            "Se il cliente vuole scrivere da solo, WordPress con un tema leggero e pochi "
            "plugin, aggiornati in automatico. Un sito statico è più sicuro ma lo aggiorni "
            "sempre tu.",
            "Qualunque scelta, mettete per iscritto chi fa gli aggiornamenti di sicurezza. "
            "È lì che i siti degli studi vengono bucati.",
        ],
        True,
    ),
    (
        "React o niente framework per un configuratore di prodotto?",
        "Una pagina dove il cliente sceglie legno, misure e finiture di un tavolo e vede il "
        "prezzo.",
        ["javascript", "react", "web-development"],
        [
            "Per una sola pagina interattiva basta JavaScript semplice o una libreria "
            "leggera; React conviene se l'interfaccia cresce o se il resto del sito lo usa "
            "già.",
            "Tenete il calcolo del prezzo sul server: quello che gira nel browser si può "
            "modificare.",
        ],
        True,
    ),
    (
        "Which e-commerce platform for a small artisan shop?",
        "About 80 products, shipping only in Italy for now, the owner is not technical.",
        ["e-commerce", "web-development"],
        [
            "A hosted platform: monthly fee, but payments, VAT invoices and security are "
            "someone else's problem. Self-hosting only pays off with a developer on call.",
            "Check that it produces Italian electronic invoices or connects to a service "
            "that does: that is what small shops forget.",
        ],
        True,
    ),
    (
        "How do you keep a Django project's dependencies up to date?",
        "Maintaining six client projects and updates always get postponed.",
        ["python", "django", "devops"],
        [
            "Automated pull requests for dependency updates, a test suite that runs on each "
            "one, and a fixed half-day a month to merge them. Small and often beats big and "
            "scary.",
            "Follow Django's LTS releases for client work: two years of security fixes "
            "between big upgrades.",
        ],
        True,
    ),
    (
        "Postgres or SQLite for a small internal tool?",
        "Ten users, a few thousand rows, hosted on one small server.",
        ["sql", "backend-development", "python"],
        [
            "SQLite in WAL mode handles that easily and backups are copying one file. Move "
            "to PostgreSQL when you need several servers or heavy concurrent writes.",
            "Whichever you pick, use the framework's migrations from day one, so switching "
            "later is a data move, not a rewrite.",
        ],
        True,
    ),
    (
        "Phishing: a client's e-mail was hacked, what do we do first?",
        "Their customers are getting fake invoices with a different IBAN.",
        ["cybersecurity", "devops"],
        [
            "Change the password, turn on two-factor authentication, and check the mailbox "
            "rules: attackers add forwarding rules that survive the password change. Then "
            "warn customers by phone, not by e-mail.",
            "Report it to the Postal Police and to the bank of the fake IBAN at once: "
            "sometimes the money can still be stopped.",
        ],
        True,
    ),
    (
        "App mobile nativa o web app per le prenotazioni di una palestra?",
        'Il cliente vuole "un\'app", ma il budget è limitato.',
        ["mobile-apps", "product-management"],
        [
            "Una web app installabile fa prenotazioni e notifiche su Android e ormai anche "
            "su iPhone, a una frazione del costo. L'app nativa ha senso quando servono "
            "funzioni del telefono che il browser non offre.",
            'Chiedete al cliente perché vuole un\'app: spesso è per essere "nello store". '
            "Quello si può fare anche dopo.",
        ],
        True,
    ),
    (
        "Roadmap di prodotto: come dire di no ai clienti importanti?",
        "Il nostro cliente più grande chiede una funzione che servirebbe solo a lui.",
        ["product-management", "project-management"],
        [
            "Chiedete quale problema vuole risolvere, non quale funzione vuole. Spesso il "
            "problema si risolve con qualcosa che serve a tutti.",
            "Se la funzione serve solo a lui, può diventare un lavoro su commissione pagato "
            "a parte, fuori dalla roadmap.",
        ],
        True,
    ),
    (
        "Stime dei tempi: ore o punti?",
        "Il cliente vuole date certe, il team preferisce stimare in punti.",
        ["project-management", "facilitation"],
        [
            'Al cliente date intervalli, non date: "tra quattro e sei settimane" è onesto. '
            "I punti servono al team per capire la propria velocità, non al contratto.",
        ],
        False,
    ),
    (
        "Una riunione settimanale con il cliente che dura sempre due ore: come accorciarla?",
        "Progetto di sei mesi, riunioni infinite.",
        ["facilitation", "project-management"],
        [
            "Ordine del giorno mandato il giorno prima, con le decisioni da prendere in "
            "cima. Ciò che è solo aggiornamento va in una mail.",
            "Un tempo per punto e qualcuno che lo fa rispettare. Dopo due settimane la "
            "riunione dura quaranta minuti.",
        ],
        True,
    ),
    (
        "Piano editoriale per LinkedIn di un'azienda di servizi: quante volte pubblicare?",
        "Azienda di consulenza ambientale, dieci persone.",
        ["social-media", "content-strategy"],
        [
            "Due post a settimana costanti valgono più di uno al giorno per un mese. "
            "Alternate casi concreti, persone del team e un punto di vista sul settore.",
            "Fate pubblicare anche i profili personali dei soci: su LinkedIn le persone "
            "raggiungono molto più delle pagine aziendali.",
        ],
        True,
    ),
    (
        "Instagram per un forno di quartiere: vale la pena?",
        "La proprietaria ha poco tempo e nessuna voglia di fare video.",
        ["social-media", "digital-marketing", "community-management"],
        [
            "Sì, ma con poco: una foto del pane del giorno ogni mattina e le storie con le "
            "novità. Chi cerca un forno in zona guarda Instagram e la scheda Google.",
            "Curate prima la scheda Google con orari e foto: per un negozio di quartiere "
            "porta più clienti.",
        ],
        True,
    ),
    (
        "Come gestire i commenti negativi sulla pagina di un cliente?",
        "Un ristorante ha ricevuto una recensione molto dura, in parte falsa.",
        ["community-management", "social-media"],
        [
            "Rispondere sempre, con calma e in pubblico, correggendo i fatti senza "
            "attaccare. Chi legge giudica la risposta più della recensione.",
            "Se è falsa, segnalala alla piattaforma con le prove, ma rispondi lo stesso: la "
            "rimozione richiede settimane.",
        ],
        True,
    ),
    (
        "SEO locale: come fa un negozio a comparire su Google Maps?",
        "Un negozio di biciclette in zona Porta Venezia non compare nelle ricerche.",
        ["seo", "digital-marketing"],
        [
            "Scheda Google verificata, categoria giusta, orari corretti, foto vere e "
            "risposte alle recensioni. E lo stesso indirizzo scritto allo stesso modo "
            "ovunque.",
            "Chiedi ai clienti contenti una recensione con un QR code alla cassa: la "
            "quantità di recensioni recenti pesa molto.",
        ],
        True,
    ),
    (
        "Comunicato stampa per l'apertura di un negozio: lo leggono ancora?",
        "Apriamo un concept store di design a Bologna a marzo.",
        ["press-office", "event-organisation"],
        [
            "I giornali locali sì, se c'è una notizia: una storia, un evento, un'immagine "
            "bella. Mandatelo una settimana prima con foto in alta risoluzione e un "
            "contatto che risponde.",
            "Invitate due o tre giornalisti a un'anteprima il giorno prima dell'apertura. "
            "Funziona meglio di cento mail.",
        ],
        True,
    ),
    (
        "Organizzare un evento per 80 persone in coworking: cosa non dimenticare?",
        "Presentazione di un libro con aperitivo.",
        ["event-organisation"],
        [
            "Iscrizioni con un numero massimo, un microfono anche se la sala sembra "
            "piccola, e qualcuno che accoglie all'ingresso. Chiedete in segreteria le "
            "regole sulla sala grande e sul rumore dopo le 19.",
            "Preparate un piano B per la pioggia se l'aperitivo è in terrazza.",
        ],
        True,
    ),
    (
        "Testi del sito: meglio scriverli prima o dopo la grafica?",
        "Lo studio grafico ci chiede i testi, noi aspettiamo il layout.",
        ["copywriting", "content-strategy"],
        [
            "Prima, almeno in bozza: il layout deve servire i contenuti, non il contrario. "
            'Un "lorem ipsum" nasconde sempre i problemi.',
            "Concordate con i grafici la struttura delle pagine (titoli, sezioni, "
            "lunghezze), poi lavorate in parallelo.",
        ],
        True,
    ),
    (
        "Newsletter: quanto deve essere lunga?",
        "Mandiamo una newsletter mensile ai clienti dello studio e la apre il 18%.",
        ["copywriting", "content-strategy", "storytelling"],
        [
            "Il tempo di un caffè: un tema solo, tre paragrafi, un invito chiaro. Se "
            "avete molto da dire, mandatela più spesso.",
            "Lavorate sull'oggetto: è quello che decide l'apertura. Provate due versioni "
            "sulla stessa lista.",
        ],
        True,
    ),
    (
        "Correzione di bozze di un libro: quanto chiedere?",
        "Saggio di 200 pagine per un piccolo editore.",
        ["editing", "copywriting"],
        [
            "Si ragiona a cartella editoriale (1.800 battute): per la sola correzione di "
            "bozze le tariffe vanno più o meno da 2 a 4 euro a cartella. L'editing sul "
            "testo costa di più.",
            "Chiedi le norme redazionali dell'editore prima di cominciare: ti risparmiano "
            "un secondo giro.",
        ],
        True,
    ),
    (
        "Translating a website into German: what do clients forget?",
        "An Italian furniture brand wants to sell in Germany and Austria.",
        ["german", "translation-en-it"],
        [
            "The legal pages (Impressum, terms of sale, withdrawal), the automatic e-mails "
            "and the product feed for marketplaces. And German text runs about a third "
            "longer: buttons and menus break.",
            "Ask for a glossary approved by the client before starting; furniture terms "
            "vary between Germany and Austria.",
        ],
        True,
    ),
    (
        "Manuale d'uso di una macchina: serve un traduttore tecnico o basta uno bravo?",
        "Il manuale deve accompagnare la marcatura CE.",
        ["technical-writing", "translation-en-it"],
        [
            "Tecnico, e con esperienza di documentazione per la marcatura CE: le avvertenze "
            "di sicurezza hanno formule precise. Chiedi anche la memoria di traduzione, "
            "servirà per le revisioni.",
        ],
        True,
    ),
    (
        "Luce naturale o flash per foto di gioielli?",
        "Piccola produzione di anelli in argento, foto per il negozio online.",
        ["product-photography", "photography"],
        [
            "Flash o luci continue con un grande diffusore: l'argento riflette tutto, e la "
            "luce della finestra cambia ogni mezz'ora. Un tenda da still life e pannelli "
            "bianchi e neri per controllare i riflessi.",
            "Scatta in focus stacking per avere tutto l'anello a fuoco: con i macro la "
            "profondità di campo è di pochi millimetri.",
        ],
        True,
    ),
    (
        "Diritti delle foto: il cliente può usarle anche per la pubblicità?",
        "Ho fatto ritratti del team per il sito, ora le vogliono sui cartelloni.",
        ["photography"],
        [
            'Dipende da cosa avete concordato: se nel preventivo c\'era "uso web", la '
            "pubblicità è un altro uso e si paga a parte. Da ora scrivi sempre usi, durata "
            "e territorio.",
            "Controlla anche le liberatorie delle persone ritratte: per la pubblicità ne "
            "servono di specifiche.",
        ],
        True,
    ),
    (
        "Riprese con il drone sopra un vigneto: servono permessi?",
        "Video di presentazione per un'azienda agricola in Franciacorta.",
        ["drone-footage", "video-editing"],
        [
            "Con un drone sotto i 250 grammi, lontano da persone e zone vietate, bastano "
            "la registrazione come operatore e l'assicurazione. Controlla la mappa delle "
            "zone geografiche: vicino agli aeroporti non si vola.",
            "Chiedi al proprietario di avvisare chi lavora nei campi quel giorno: sorvolare "
            "persone è la cosa che non si può fare.",
        ],
        True,
    ),
    (
        "Programma di montaggio per iniziare: gratuito o a pagamento?",
        "Devo montare brevi interviste per i social di alcuni clienti.",
        ["video-editing", "motion-graphics"],
        [
            "Parti con un programma gratuito professionale: ha tutto ciò che serve per le "
            "interviste, compresa la correzione colore. Paghi solo quando ti manca "
            "qualcosa di preciso.",
            "Investi prima in un buon microfono: il pubblico perdona un'immagine mediocre, "
            "non un audio che rimbomba.",
        ],
        True,
    ),
    (
        "Registrare un podcast in coworking: quale stanza e quale microfono?",
        "Due voci, un'ora a settimana.",
        ["podcasting", "video-editing"],
        [
            "La saletta piccola con le tende chiuse: meno riverbero della sala grande. Due "
            "microfoni dinamici USB vicini alla bocca, non uno a condensatore in mezzo al "
            "tavolo.",
        ],
        False,
    ),
    (
        "Legno per un tavolo da esterno: teak, larice o rovere?",
        "Tavolo per la terrazza di un ristorante, deve durare anni.",
        ["carpentry", "interior-design"],
        [
            "Larice o rovere trattati a olio resistono bene e costano meno del teak. "
            "Prevedete una manutenzione con olio ogni primavera e piedini che non tocchino "
            "l'acqua.",
            "Evitate incastri dove l'acqua ristagna: la forma conta quanto il legno.",
        ],
        True,
    ),
    (
        "Taglio laser su compensato: perché i bordi escono bruciati?",
        "Pannelli decorativi in pioppo da 4 mm.",
        ["laser-cutting", "carpentry"],
        [
            "Troppa potenza e poca velocità, o l'assistenza aria spenta. Fate una griglia di "
            "prova su un ritaglio variando velocità e potenza, poi tenete la combinazione "
            "migliore.",
            "Il nastro di carta sulla superficie prima del taglio evita gli aloni di fumo.",
        ],
        True,
    ),
    (
        "Arduino per un prototipo che deve funzionare a batteria per mesi?",
        "Sensore di umidità per le serre di un cliente.",
        ["electronics", "prototyping"],
        [
            "Arduino va bene per il prototipo, non per mesi a batteria: usate un "
            "microcontrollore a basso consumo con la modalità di sospensione e misurate "
            "il consumo reale con un multimetro.",
            "Mandate i dati ogni ora, non ogni minuto: è la radio che consuma.",
        ],
        True,
    ),
    (
        "PLA o PETG per pezzi che stanno al sole?",
        "Supporti per piante da balcone.",
        ["3d-printing", "3d-modelling"],
        [
            "PETG, o meglio ASA: il PLA si deforma già a 55-60 gradi e un balcone d'estate "
            "ci arriva. L'ASA resiste anche ai raggi UV.",
        ],
        True,
    ),
    (
        "Progettare in CAD un pezzo da stampare: quali tolleranze per gli incastri?",
        "Due parti che devono incastrarsi senza colla.",
        ["3d-modelling", "3d-printing", "prototyping"],
        [
            "Partite da 0,2 mm di gioco per lato e stampate un piccolo campione di prova "
            "prima del pezzo intero: ogni stampante ha la sua tolleranza.",
            "Orientate il pezzo in modo che l'incastro sia sul piano di stampa: gli strati "
            "verticali sono meno precisi.",
        ],
        True,
    ),
    (
        "Ristrutturare un ufficio: serve la CILA anche per spostare una parete?",
        "Vogliamo unire due stanze per fare una sala riunioni.",
        ["architecture", "interior-design"],
        [
            "Se la parete non è portante, di solito basta una CILA presentata da un "
            "tecnico. Se è portante servono progetto strutturale e altri permessi: fate "
            "fare prima un sopralluogo.",
            "Controllate anche impianto elettrico e ricambio d'aria: una sala riunioni per "
            "dieci persone ha esigenze diverse da due uffici.",
        ],
        True,
    ),
    (
        "Acustica di un open space: come ridurre il rumore senza lavori?",
        "Dodici scrivanie, pavimento in cemento, soffitto alto.",
        ["interior-design", "architecture"],
        [
            "Pannelli fonoassorbenti a soffitto o a parete, tappeti, librerie piene e "
            "piante: il cemento e il vetro riflettono tutto. Due o tre cabine per le "
            "telefonate cambiano la giornata a tutti.",
        ],
        True,
    ),
    (
        "Analisi delle vendite: Excel basta ancora?",
        "Tre negozi, due anni di dati, il titolare vuole capire cosa vende.",
        ["spreadsheets", "data-analysis"],
        [
            "Per quei volumi un foglio di calcolo con le tabelle pivot basta e avanza. "
            "Il lavoro vero è pulire i dati: stessi codici prodotto nei tre negozi.",
            "Se i dati arrivano da più sistemi ogni mese, automatizzate l'importazione "
            "prima di pensare a strumenti nuovi.",
        ],
        True,
    ),
    (
        "Grafici per un report annuale: quali evitare?",
        "Report di sostenibilità per un'azienda di logistica.",
        ["data-visualisation", "data-analysis"],
        [
            "Torte con più di tre fette, grafici 3D e doppi assi. Un grafico a barre "
            "ordinato, con il titolo che dice la conclusione, vince quasi sempre.",
            "Usate gli stessi colori per le stesse cose in tutto il report: il lettore "
            "impara la legenda una volta sola.",
        ],
        True,
    ),
    (
        "Is machine learning worth it for forecasting a bakery's daily production?",
        "They throw away bread every evening and run out on Saturdays.",
        ["machine-learning", "data-analysis"],
        [
            "Start with a simple model: same weekday last weeks, plus weather and holidays. "
            "Measure the waste for a month; only try machine learning if that baseline is "
            "not good enough.",
            "Record what sold out and when: without it, the data only shows what you baked, "
            "not what you could have sold.",
        ],
        True,
    ),
    (
        "SQL: why is my query so slow on a table of two million rows?",
        "A report that filters orders by customer and month takes 40 seconds.",
        ["sql", "data-analysis"],
        [
            "Look at the query plan (EXPLAIN): probably a full table scan. An index on "
            "(customer_id, ordered_at) should bring it to milliseconds. Avoid wrapping the "
            "date column in a function in the WHERE clause, or the index is not used.",
        ],
        True,
    ),
    (
        "Docenza in un corso finanziato: come si prepara un laboratorio pratico?",
        "Otto ore di corso sul marketing digitale per commercianti.",
        ["teaching", "facilitation"],
        [
            "Un esercizio ogni quaranta minuti, sui loro negozi veri: alla fine ciascuno "
            "esce con la propria scheda Google sistemata. La teoria sta nelle dispense.",
            "Raccogliete prima del corso cosa vorrebbero ottenere: adattate gli esempi.",
        ],
        True,
    ),
    (
        "Paura di parlare in pubblico: qualche esercizio che funziona?",
        "Devo presentare il nostro servizio a una fiera tra un mese.",
        ["public-speaking", "coaching"],
        [
            "Prova ad alta voce, in piedi, almeno cinque volte, di cui due davanti a "
            "qualcuno. Impara a memoria solo l'inizio e la chiusura.",
            "Registrati con il telefono una volta: è sgradevole, ma in dieci minuti vedi "
            "cosa correggere.",
        ],
        True,
    ),
    (
        "Mentoring tra freelance: qualcuno l'ha organizzato in un coworking?",
        "Vorremmo affiancare chi ha appena aperto la partita IVA a chi lavora da anni.",
        ["coaching", "facilitation"],
        [
            "Coppie per tre mesi, un incontro ogni due settimane e un obiettivo scritto "
            "all'inizio. Senza obiettivo diventa una chiacchierata simpatica e basta.",
            "Un incontro di gruppo alla fine, in cui ogni coppia racconta cosa ha "
            "funzionato, convince i prossimi a partecipare.",
        ],
        True,
    ),
    (
        "Bando per l'imprenditoria femminile: chi l'ha già fatto?",
        "Sto aprendo un laboratorio di sartoria e ho letto del fondo nazionale.",
        ["fundraising", "business-planning"],
        [
            "Preparate il piano d'impresa con cura: la valutazione guarda sostenibilità "
            "economica e coerenza delle spese. Le spese devono essere tutte documentate "
            "con preventivi.",
            "Fatevi aiutare a leggere le FAQ del bando: molte domande vengono respinte per "
            "errori formali, non per il progetto.",
        ],
        True,
    ),
    (
        "Crowdfunding per un progetto artigiano: reward o donazione?",
        "Vogliamo comprare un forno per la ceramica da mettere a disposizione del quartiere.",
        ["fundraising", "business-planning"],
        [
            "Reward: in cambio tazze, corsi o ore di forno. Chi sostiene vuole qualcosa di "
            "vostro, e le ricompense sono già una prima vendita.",
            "Il 30% dell'obiettivo deve arrivare nei primi giorni da amici e clienti: "
            "organizzatevi prima del lancio.",
        ],
        True,
    ),
    (
        "Smalti per ceramica adatti al contatto con il cibo?",
        "Produco piatti e tazze da vendere online.",
        ["ceramics"],
        [
            "Usate smalti certificati per alimenti e cuocete alla temperatura indicata dal "
            "produttore: uno smalto sotto-cotto può rilasciare metalli. Per la vendita "
            "serve la dichiarazione di conformità.",
            "Attenzione agli smalti colorati con ossidi fatti in casa: per le superfici a "
            "contatto con il cibo meglio quelli pronti e testati.",
        ],
        True,
    ),
    (
        "Vendere all'estero: da dove comincia una piccola azienda?",
        "Produciamo borse in pelle e ci scrivono clienti dalla Svizzera.",
        ["export", "sales"],
        [
            "La Svizzera è fuori dall'UE: dogana, IVA svizzera all'arrivo e documenti di "
            "esportazione. Partite con un corriere che gestisce le pratiche doganali per voi.",
            "Scrivete in chiaro sul sito chi paga dazi e IVA all'arrivo: è il primo motivo "
            "di pacchi rifiutati.",
        ],
        True,
    ),
    (
        "Trattativa con un grande cliente: come difendere il prezzo?",
        "Ci chiedono uno sconto del 25% per un contratto annuale.",
        ["sales"],
        [
            "Non scontare il prezzo, cambia il perimetro: meno revisioni, tempi più lunghi "
            "o pagamento anticipato. Così lo sconto ha una contropartita.",
            "Chiedi un impegno minimo di volume nel contratto se concedi un prezzo annuale.",
        ],
        True,
    ),
    (
        "Colloqui di lavoro: quali domande fate a un junior senza esperienza?",
        "Cerchiamo un grafico junior.",
        ["hr-recruiting"],
        [
            "Fategli raccontare un progetto di cui va fiero, anche scolastico: come ha "
            "scelto, cosa cambierebbe. E una piccola prova pagata di mezza giornata vale "
            "più di tre colloqui.",
        ],
        True,
    ),
]


def _answerers(
    context: DemoContext, members: list[Member], tags: list[str], asker: Member, wanted: int
) -> list[Member]:
    """Who answers: first someone whose trade holds every tag, then others; each lists one
    of the tags as a skill or an offer. Without skills loaded: anyone but the asker."""
    rng = context.random
    others = [member for member in members if member.pk != asker.pk]
    if not context.expertise:
        return rng.sample(others, min(wanted, len(others)))
    related = [m for m in others if set(tags) & context.expertise.get(m.pk, set())]
    experts = [m for m in related if set(tags) <= set(context.trades[m.pk].skills)]
    chosen = [rng.choice(experts)] if experts else []
    rest = [member for member in related if member not in chosen]
    chosen += rng.sample(rest, min(wanted - len(chosen), len(rest)))
    return chosen


def populate(context: DemoContext) -> None:
    members = list(community_members())
    if len(members) < 4:
        return
    rng = context.random
    skill_of = {skill.slug: skill for skill in all_skills()}
    spaces_of = {member.pk: sorted(member_space_ids(member)) for member in members}
    space_by_id = {space.pk: space for space in all_spaces()}
    now = timezone.now()
    for number, (title, body, tags, answers, accepted) in enumerate(THREADS):
        # People ask about what is not their trade.
        askers = [
            member for member in members if not set(tags) & context.expertise.get(member.pk, set())
        ]
        asker = rng.choice(askers or members)
        answerers = _answerers(context, members, tags, asker, len(answers))
        if not answerers:
            continue
        space_ids = spaces_of[asker.pk]
        # A few questions stay inside one space, like notices on its own board; only its
        # members may answer those.
        space = space_by_id[space_ids[0]] if space_ids and number % 5 == 4 else None
        if space is not None and not all(space.pk in spaces_of[a.pk] for a in answerers):
            space = None
        asked = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600))
        question = check_ask_question(
            asker,
            title=title,
            body=body,
            tags=[skill_of[slug] for slug in tags if slug in skill_of],
            space=space,
            at=asked,
        )
        for position, (author, text) in enumerate(zip(answerers, answers, strict=False)):
            answered = min(now, asked + timedelta(hours=rng.randint(1, 48) * (position + 1)))
            answer = check_answer_question(author, question, body=text, at=answered)
            # Accepting adds the tags to the author's skills: only for one whose trade has them.
            trade = context.trades.get(author.pk)
            is_accepted = (
                accepted and position == 0 and (trade is None or set(tags) <= set(trade.skills))
            )
            voters = rng.sample(members, k=min(len(members), rng.randint(0, 6) + 2 * is_accepted))
            for voter in voters:
                if voter.pk not in (answer.author_id, asker.pk):
                    check_vote(voter, answer, 1 if is_accepted or rng.random() < 0.8 else -1)
            if is_accepted:
                check_accept_answer(asker, answer)
        for voter in rng.sample(members, k=min(len(members), rng.randint(0, 5))):
            if voter.pk != asker.pk:
                check_vote(voter, question, 1)
