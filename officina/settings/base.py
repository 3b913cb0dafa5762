"""Settings shared by every environment; values come from environment variables."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime data (SQLite database, uploads, mail spool) lives outside the package.
VAR_DIR = Path(os.environ.get("OFFICINA_VAR_DIR", BASE_DIR.parent / "var"))


def secret_key_kept_in(directory: Path) -> str:
    """The key in ``directory/secret_key``, made once at random when the file is missing.

    A key in the repository would be known to everyone, and it also seeds the PBX's nonce
    and flow-token secret. The file is written aside and linked into place, so processes
    starting together (web workers, test workers) all end up reading the same key.
    """
    path = directory / "secret_key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        draft = directory / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: its key wins
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or secret_key_kept_in(VAR_DIR)
# Development pages (tracebacks, every URL pattern on a 404) only when asked for by name.
DEBUG = os.environ.get("DEBUG", "").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]
# Where members reach this site; used for links in e-mails and calendar feeds.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "channels",
    "csp",
    "axes",
    "ninja",  # serves the API reference (/api/docs) from its own static files, not a CDN
    "officina.core",
    "officina.accounts",
    "officina.presence",
    "officina.skills",
    "officina.social",
    "officina.notifications",
    "officina.knowledge",
    "officina.events",
    "officina.bookings",
    "officina.projects",
    "officina.contacts",
    "officina.ringgroups",
    "officina.attendant",
    "officina.conferences",
    "officina.trunks",
    "officina.matchmaking",
    "officina.search",
    "officina.pbx",
    "officina.voicemail",
    "officina.web",
    "officina.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the member's own language and time zone win over the browser's.
    "officina.accounts.member_locale.member_locale_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "officina.web.permissions_policy.permissions_policy_middleware",
    # After authentication: it answers a locked-out login once authentication has had its say.
    "axes.middleware.AxesMiddleware",
    # Signed in, a project guest reaches their projects and nothing else of the community.
    "officina.projects.guest_boundary.guest_boundary_middleware",
    # Innermost: a view's OfficinaError becomes its page here, and the middleware above
    # still add their headers (the Content-Security-Policy) to that page.
    "officina.core.error_responses.OfficinaErrorMiddleware",
]

# Scripts and styles come from our static files only (no inline code, no other origin), so
# a slip in escaping cannot run code. WebSockets (live pages, the softphone) are 'self' too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features a page may use: the microphone for the softphone, on this site only.
PERMISSIONS_POLICY = {
    "microphone": ["self"],
    "camera": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}

ROOT_URLCONF = "officina.urls"
ASGI_APPLICATION = "officina.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "officina.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DEFAULT_SQLITE_PATH = VAR_DIR / "officina.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"),
        # A connection is checked before a request reuses it, and closed when broken.
        conn_health_checks=True,
    )
}
# Threads per web worker that run requests' Django code, each keeping its database
# connection from one request to the next (officina/core/request_threads.py).
WEB_REQUEST_THREADS = int(os.environ.get("WEB_REQUEST_THREADS", "4"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Kept open: opening one parses the whole schema again (about 3 ms of CPU) and starts
    # with an empty page cache. Each web worker has WEB_REQUEST_THREADS of them.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "600"))
    # WAL lets readers (pages) proceed while the PBX or a check-in writes;
    # IMMEDIATE transactions avoid "database is locked" on lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
elif int(os.environ.get("DATABASE_POOL_SIZE", "20")):
    # PostgreSQL: each process borrows connections from a pool of its own (psycopg's)
    # for a request, a task or a call's lookup, instead of starting a server process for
    # each. With CONN_HEALTH_CHECKS on, Django has the pool check a connection before
    # lending it and replace it when it is broken.
    # DATABASE_POOL_SIZE=0 turns the pool off (behind PgBouncer, say); then
    # DATABASE_CONN_MAX_AGE keeps connections instead, 0 (the default) closing each.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "20")),
            # A request that finds every connection lent waits this long, then fails.
            "timeout": 10,
            # Idle connections above min_size are closed after this many seconds.
            "max_idle": 300,
        },
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.Member"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# django-axes counts failed sign-ins (and password-reset requests) per account and per
# address, and refuses both for a while once either has too many: credential stuffing
# gets ten guesses per account; one address, which may be a whole coworking behind NAT,
# a hundred across all accounts (officina/accounts/sign_in_limits.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The sign-in form's field (the e-mail address, normalised by the form), not Member.email.
AXES_USERNAME_FORM_FIELD = "username"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
SIGN_IN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "100"))
AXES_HANDLER = "officina.accounts.sign_in_limits.AccountOrSharedAddressHandler"
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "officina.accounts.views.locked_out"
AXES_SENSITIVE_PARAMETERS = ["password", "password_again", "new_password1", "new_password2"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Static files are served by WhiteNoise from the app folders (no collectstatic needed to run).
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads above this size are refused before they are read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "officina@localhost")

# Live updates between processes: Redis when there is one (several machines); otherwise
# the hub that ``officina serve`` hosts for its own processes (officina/core/channel_hub.py);
# in one process alone (tests, a shell), in memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
elif os.environ.get("OFFICINA_CHANNEL_HUB"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "officina.core.channel_hub.HubChannelLayer",
            "CONFIG": {"hub_path": os.environ["OFFICINA_CHANNEL_HUB"]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Periodic jobs: ``officina serve``'s background process queues each task at its times
# (and once at start: each job finds for itself what is due). The fields besides "task"
# and "args" are an APScheduler trigger's. See docs/architecture.md, "Background work".
# How long before a booking its member is reminded of it (bookings.tasks).
BOOKING_REMINDER_MINUTES = int(os.environ.get("BOOKING_REMINDER_MINUTES", "30"))

PERIODIC_TASKS: dict[str, dict[str, Any]] = {
    "close expired check-ins": {
        "task": "officina.presence.tasks.close_expired_check_ins",
        "trigger": "interval",
        "minutes": 5,
    },
    # A booking's reminder goes out between BOOKING_REMINDER_MINUTES and that minus five
    # minutes before it starts; a free-again request is answered within five minutes.
    "booking reminders": {
        "task": "officina.bookings.tasks.send_booking_reminders",
        "trigger": "interval",
        "minutes": 5,
    },
    "free again notices": {
        "task": "officina.bookings.tasks.tell_who_waits_for_free_times",
        "trigger": "interval",
        "minutes": 5,
    },
    # A desk not claimed by its space's release time is free for others within a minute.
    "release unclaimed desks": {
        "task": "officina.bookings.tasks.release_unclaimed_desks",
        "trigger": "interval",
        "minutes": 1,
    },
    # Hourly: a member is due a digest a day (or a week) after their last one.
    "daily digests": {
        "task": "officina.notifications.tasks.queue_due_digests",
        "args": ["daily"],
        "trigger": "interval",
        "hours": 1,
    },
    "weekly digests": {
        "task": "officina.notifications.tasks.queue_due_digests",
        "args": ["weekly"],
        "trigger": "interval",
        "hours": 1,
    },
}

# SIP server (started next to the web server by ``officina serve``).
SIP_HOST = os.environ.get("SIP_HOST", "0.0.0.0")  # noqa: S104
SIP_PORT = int(os.environ.get("SIP_PORT", "5060"))
SIP_DOMAIN = os.environ.get("SIP_DOMAIN", "officina.local")
# Processes answering REGISTERs over UDP beside the PBX process, on other cores (Linux
# only; 0: the PBX process answers them all). By default one for every two cores from
# four cores up: on fewer, a registrar process would share the PBX's cores and cost
# more CPU per registration than it frees (docs/pbx.md, "Registrar processes").
_CORES = os.cpu_count() or 1
SIP_REGISTRAR_PROCESSES = int(
    os.environ.get("SIP_REGISTRAR_PROCESSES") or (_CORES // 2 if _CORES >= 4 else 0)
)
# HTTPS served by ``officina serve`` itself (and so wss:// for the browser phone), when no
# reverse proxy terminates TLS in front of it: a PEM certificate chain and its key.
WEB_TLS_CERT_FILE = os.environ.get("WEB_TLS_CERT_FILE", "")
WEB_TLS_KEY_FILE = os.environ.get("WEB_TLS_KEY_FILE", "")
# SIP over TLS (RFC 3261 §26.2) on SIP_TLS_PORT when a certificate is named: a PEM file
# with the certificate chain, and its private key (in the same file when KEY is empty).
# SIP_TLS_CA_FILE: authorities for the connections the PBX opens to phones (default: the
# system's).
SIP_TLS_PORT = int(os.environ.get("SIP_TLS_PORT", "5061"))
SIP_TLS_CERT_FILE = os.environ.get("SIP_TLS_CERT_FILE", "")
SIP_TLS_KEY_FILE = os.environ.get("SIP_TLS_KEY_FILE", "")
SIP_TLS_CA_FILE = os.environ.get("SIP_TLS_CA_FILE", "")
# Address phones reach this node at (Via, Record-Route); empty: guessed from the interfaces.
SIP_ADVERTISED_HOST = os.environ.get("SIP_ADVERTISED_HOST", "")
# Digest algorithms offered, first preferred. MD5 alone by default: some phones (and SIPp,
# baresip) fail on any SHA-256 challenge; offer "SHA-256,MD5" once every device copes.
SIP_DIGEST_ALGORITHMS = tuple(
    name.strip() for name in os.environ.get("SIP_DIGEST_ALGORITHMS", "MD5").split(",")
)

# RTP for calls the PBX answers itself (voicemail): even ports for RTP, the odd one above
# for RTCP. 2000 ports are 1000 simultaneous calls.
MEDIA_PORT_MIN = int(os.environ.get("MEDIA_PORT_MIN", "30000"))
MEDIA_PORT_MAX = int(os.environ.get("MEDIA_PORT_MAX", "31999"))
# rtpengine's NG control address (udp:host:port): browsers' calls to phones and the
# media of phones behind NAT pass through it. Empty: no rtpengine (``officina serve``
# starts one itself when the binary is installed, see docs/pbx.md).
RTPENGINE_URL = os.environ.get("RTPENGINE_URL", "")
# The RTP ports of the rtpengine ``officina serve`` starts itself.
RTPENGINE_PORT_MIN = int(os.environ.get("RTPENGINE_PORT_MIN", "32000"))
RTPENGINE_PORT_MAX = int(os.environ.get("RTPENGINE_PORT_MAX", "33999"))
# When a call between two plain SIP phones goes through rtpengine: never, nat (when
# either party looks NATed) or always.
MEDIA_ANCHORING = os.environ.get("MEDIA_ANCHORING", "nat")
# A provider's caller put through by a menu: the desk steps out of the media path (the
# provider and the callee send to each other, docs/trunks.md) unless "0": for a provider
# that takes media only from the address it sends to, or no re-INVITE in a call.
TRUNK_MEDIA_STEP_OUT = os.environ.get("TRUNK_MEDIA_STEP_OUT", "1") != "0"
# ICE servers handed to browser phones (officina/pbx/ice_servers.py, docs/pbx.md): STUN
# and TURN URLs, comma-separated, e.g. "stun:turn.example.org:3478" and
# "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349". TURN needs the
# secret the TURN server shares (coturn: use-auth-secret, static-auth-secret); each member
# gets a credential of their own, valid WEBRTC_TURN_CREDENTIAL_SECONDS (longer than any
# call: a TURN server refuses to refresh an allocation whose credential has expired).
# WEBRTC_ICE_TRANSPORT_POLICY=relay sends every browser call through TURN, so that no
# member's own address reaches the other party.
WEBRTC_STUN_URLS = [u for u in os.environ.get("WEBRTC_STUN_URLS", "").split(",") if u.strip()]
WEBRTC_TURN_URLS = [u for u in os.environ.get("WEBRTC_TURN_URLS", "").split(",") if u.strip()]
WEBRTC_TURN_SECRET = os.environ.get("WEBRTC_TURN_SECRET", "")
WEBRTC_TURN_CREDENTIAL_SECONDS = int(os.environ.get("WEBRTC_TURN_CREDENTIAL_SECONDS", "43200"))
WEBRTC_ICE_TRANSPORT_POLICY = os.environ.get("WEBRTC_ICE_TRANSPORT_POLICY", "all")
# Prompts spoken by espeak-ng, made once per text and language.
VOICEMAIL_PROMPTS_DIR = Path(os.environ.get("VOICEMAIL_PROMPTS_DIR", VAR_DIR / "prompts"))
# The semantic extra (``pip install officina[semantic]``): with MATCH_SEMANTIC=on, expert
# finding and people to meet also read embeddings of the members' evidence. Off unless
# asked for: on the one real community set measured it lowers P@1 (0.140 to 0.093,
# docs/matchmaking.md) until its share is tuned.
MATCH_SEMANTIC = os.environ.get("MATCH_SEMANTIC", "off").lower() in {"on", "1", "true", "yes"}
# Threads of one process's embedding: 1 beside the web workers (one per core already);
# more for a bulk ``match_reindex`` or the quality benchmark on an otherwise idle machine.
MATCH_SEMANTIC_THREADS = int(os.environ.get("MATCH_SEMANTIC_THREADS", "1"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Every line passes the redaction filter: no credential, token or session id is written,
    # whoever logs it (see docs/security.md).
    "filters": {"redact_secrets": {"()": "officina.core.redaction.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own console handler (on when DEBUG is) would write "django" lines unfiltered:
    # they go through the root handler like every other line.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # A line per failed sign-in is noise; lock-outs are warnings and still written.
        "axes": {"level": "WARNING"},
        # Its lines on adding each job at start are noise; officina.background logs each run.
        "apscheduler": {"level": "WARNING"},
    },
}
