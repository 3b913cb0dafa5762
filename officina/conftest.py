"""Fixtures shared by every app's tests.

Named people and places (``community`` builds them all; each has its own fixture):

=================  ===========================================================================
fixture            who / what
=================  ===========================================================================
``navigli``        physical space "Officina Navigli", Milano, Europe/Rome, capacity 40
``san_salvario``   physical space "Officina San Salvario", Torino
``digital``        remote space "Digital coworking"
``luca``           manager of Navigli (and of Digital coworking)
``giulia``         member of Navigli and Digital; owner of Studio Rossi (main company)
``marco``          member of Navigli; member of Studio Rossi
``sara``           member of San Salvario only; owner of Panificio Bianchi
``outsider``       a member of no space and no company
``admin``          superuser (staff)
``studio_rossi``   company: giulia owner, marco member, based at Navigli; client of Panificio
``panificio``      company: sara owner, based at San Salvario; supplier of Studio Rossi
=================  ===========================================================================

Every named member's password is ``TEST_PASSWORD``. Factories for anything else:
``make_member``, ``make_company``, ``make_space`` (fixtures returning functions),
``client_for(member)`` for a logged-in Django test client, and ``accounting``, one skill.

Browser tests (``@pytest.mark.browser``): ``asgi_live_server`` serves officina.asgi.application
(HTTP and WebSocket) with uvicorn in a background thread against the test database, on a
free port in 127.0.0.1:18200–18299; ``browser`` is headless /usr/bin/chromium; ``new_context``
makes a browser context (``new_context(member)`` starts it logged in), ``page`` is a page in
a fresh anonymous context; ``screenshot(page, "name")`` saves test-artifacts/<test>-name.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client
from django.utils import translation

from officina.accounts.kinds import CompanyRole, JoinPolicy, RelationKind, SpaceKind, SpaceRole
from officina.accounts.models import (
    Company,
    CompanyMembership,
    CompanyRelation,
    Member,
    Space,
    SpaceMembership,
)
from officina.core.database_threads import use_database_threads
from officina.skills.kinds import SkillCategory
from officina.skills.models import Skill

T = TypeVar("T")

TEST_PASSWORD = "officina-test-pass"  # noqa: S105 - test accounts only
REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
LIVE_SERVER_PORTS = range(18200, 18300)
BROWSER_TIMEOUT_MS = 15_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_sequence = itertools.count(1)


# Real peers a test starts as child processes; see ``no_peer_outlives_its_test``.
PEER_PROGRAMS = frozenset({"sipp", "baresip"})


@pytest.fixture(autouse=True)
def no_peer_outlives_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A real peer (SIPp, baresip) a test started ends with the test.

    A test that fails midway leaves its peers running until their own timeouts, still
    bound to the ports the next test on the same worker uses: that test would then fail
    for this alone (SIPp exits 254 when it cannot bind).
    """
    yield
    if request.node.get_closest_marker("realpeer") is None:
        return
    for pid in _child_processes():
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() in PEER_PROGRAMS:
                os.kill(pid, signal.SIGKILL)


def _child_processes() -> list[int]:
    """This process's children, started from any of its threads (Linux only)."""
    children: list[int] = []
    for task in Path("/proc/self/task").glob("*"):
        with contextlib.suppress(OSError):
            children.extend(int(pid) for pid in (task / "children").read_text().split())
    return children


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the default language.

    Signing in applies the member's language in the request's thread, and the test
    client runs requests in the test's own thread: without this, one test's Italian
    would leak into the next test of the same worker.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# pytest-django's fixtures through which a test reaches the database (a test may also be
# marked ``django_db``); fixtures that need one of them bring it into the test's closure.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        default=False,
        help="run only the tests that use the database: the suite's second run, on "
        "PostgreSQL, where the others would only repeat the first run",
    )


def _uses_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("database_tests_only"):
        return
    kept: list[pytest.Item] = []
    without_database: list[pytest.Item] = []
    for item in items:
        (kept if _uses_database(item) else without_database).append(item)
    if without_database:
        config.hook.pytest_deselected(items=without_database)
        items[:] = kept


def _loop_with_database_threads() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    use_database_threads(loop)
    return loop


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    """Each asyncio test's loop runs ``run_in_executor(None, ...)`` as the PBX does: on
    threads that give their database connection back after each job. Asyncio's own
    threads would keep one each, and PostgreSQL's pool (20 per test process) would run
    dry a few hundred tests later."""
    return {"database_threads": _loop_with_database_threads}


# --- factories ---------------------------------------------------------------------------


@pytest.fixture
def make_member(db: None) -> Callable[..., Member]:
    def make(
        email: str | None = None,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        password: str = TEST_PASSWORD,
        **fields: Any,
    ) -> Member:
        number = next(_sequence)
        return Member.objects.create_user(
            email or f"member{number}@example.test",
            password,
            first_name=first_name,
            last_name=last_name if last_name is not None else f"Member{number}",
            **fields,
        )

    return make


@pytest.fixture
def make_space(db: None) -> Callable[..., Space]:
    def make(
        name: str | None = None,
        *,
        kind: str = SpaceKind.PHYSICAL,
        managers: tuple[Member, ...] = (),
        members: tuple[Member, ...] = (),
        **fields: Any,
    ) -> Space:
        number = next(_sequence)
        name = name or f"Space {number}"
        fields.setdefault("slug", re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
        # As do_create_space decides: physical spaces on request, remote ones open.
        fields.setdefault(
            "join_policy", JoinPolicy.OPEN if kind == SpaceKind.REMOTE else JoinPolicy.REQUEST
        )
        space = Space.objects.create(name=name, kind=kind, **fields)
        SpaceMembership.objects.bulk_create(
            [SpaceMembership(member=m, space=space, role=SpaceRole.MANAGER) for m in managers]
            + [SpaceMembership(member=m, space=space, role=SpaceRole.MEMBER) for m in members]
        )
        return space

    return make


@pytest.fixture
def make_company(db: None) -> Callable[..., Company]:
    def make(
        name: str | None = None,
        *,
        owners: tuple[Member, ...] = (),
        members: tuple[Member, ...] = (),
        **fields: Any,
    ) -> Company:
        number = next(_sequence)
        name = name or f"Company {number}"
        fields.setdefault("slug", re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
        company = Company.objects.create(name=name, **fields)
        for person, role in [(o, CompanyRole.OWNER) for o in owners] + [
            (m, CompanyRole.MEMBER) for m in members
        ]:
            has_primary = CompanyMembership.objects.filter(member=person, is_primary=True).exists()
            CompanyMembership.objects.create(
                member=person, company=company, role=role, is_primary=not has_primary
            )
        return company

    return make


# --- the named community -----------------------------------------------------------------


@dataclass
class Community:
    navigli: Space
    san_salvario: Space
    digital: Space
    luca: Member
    giulia: Member
    marco: Member
    sara: Member
    outsider: Member
    admin: Member
    studio_rossi: Company
    panificio: Company


@pytest.fixture
def community(
    make_member: Callable[..., Member],
    make_space: Callable[..., Space],
    make_company: Callable[..., Company],
) -> Community:
    luca = make_member("luca@officina.test", first_name="Luca", last_name="Ferrari")
    giulia = make_member("giulia@officina.test", first_name="Giulia", last_name="Rossi")
    marco = make_member("marco@officina.test", first_name="Marco", last_name="Colombo")
    sara = make_member("sara@officina.test", first_name="Sara", last_name="Bianchi")
    outsider = make_member("ugo@officina.test", first_name="Ugo", last_name="Esposito")
    admin = make_member(
        "admin@officina.test",
        first_name="Ada",
        last_name="Admin",
        is_staff=True,
        is_superuser=True,
    )
    navigli = make_space(
        "Officina Navigli",
        slug="navigli",
        address="Via Vigevano 18",
        city="Milano",
        capacity=40,
        managers=(luca,),
        members=(giulia, marco),
    )
    san_salvario = make_space(
        "Officina San Salvario",
        slug="san-salvario",
        address="Via Madama Cristina 50",
        city="Torino",
        capacity=25,
        members=(sara,),
    )
    digital = make_space(
        "Digital coworking",
        slug="digital",
        kind=SpaceKind.REMOTE,
        managers=(luca,),
        members=(giulia,),
    )
    studio_rossi = make_company(
        "Studio Rossi",
        slug="studio-rossi",
        city="Milano",
        space=navigli,
        owners=(giulia,),
        members=(marco,),
    )
    panificio = make_company(
        "Panificio Bianchi",
        slug="panificio-bianchi",
        city="Torino",
        space=san_salvario,
        owners=(sara,),
    )
    CompanyRelation.objects.create(
        from_company=panificio, to_company=studio_rossi, kind=RelationKind.CLIENT
    )
    return Community(
        navigli=navigli,
        san_salvario=san_salvario,
        digital=digital,
        luca=luca,
        giulia=giulia,
        marco=marco,
        sara=sara,
        outsider=outsider,
        admin=admin,
        studio_rossi=studio_rossi,
        panificio=panificio,
    )


@pytest.fixture
def navigli(community: Community) -> Space:
    return community.navigli


@pytest.fixture
def san_salvario(community: Community) -> Space:
    return community.san_salvario


@pytest.fixture
def digital(community: Community) -> Space:
    return community.digital


@pytest.fixture
def luca(community: Community) -> Member:
    return community.luca


@pytest.fixture
def giulia(community: Community) -> Member:
    return community.giulia


@pytest.fixture
def marco(community: Community) -> Member:
    return community.marco


@pytest.fixture
def sara(community: Community) -> Member:
    return community.sara


@pytest.fixture
def outsider(community: Community) -> Member:
    return community.outsider


@pytest.fixture
def admin(community: Community) -> Member:
    return community.admin


@pytest.fixture
def studio_rossi(community: Community) -> Company:
    return community.studio_rossi


@pytest.fixture
def panificio(community: Community) -> Company:
    return community.panificio


@pytest.fixture
def accounting(db: None) -> Skill:
    """The skill "Accounting" / "Contabilità", alone in the taxonomy."""
    return Skill.objects.create(
        slug="accounting",
        name_en="Accounting",
        name_it="Contabilità",
        category=SkillCategory.BUSINESS,
    )


@pytest.fixture
def client_for(db: None) -> Callable[[Member], Client]:
    """A Django test client logged in as the member (no password round trip)."""

    def make(member: Member) -> Client:
        client = Client()
        client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


# --- browser end-to-end infrastructure ---------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest, django_db_modify_db_settings_parallel_suffix: None
) -> None:
    """Sessions with browser or live-server tests use an on-disk SQLite test database.

    The live server answers from other threads; an in-memory database is shared
    between threads only through SQLite's shared cache, whose table locks fail
    at once instead of waiting. A file in WAL mode lets the page read while the
    test writes. Other sessions keep the faster in-memory database.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    if not any(
        item.get_closest_marker("browser")
        or "asgi_live_server" in getattr(item, "fixturenames", ())
        for item in request.session.items
    ):
        return
    directory = Path(tempfile.mkdtemp(prefix="officina-browser-db-"))
    suffix = os.environ.get("PYTEST_XDIST_WORKER", "main")
    database.setdefault("TEST", {})["NAME"] = str(directory / f"test-{suffix}.sqlite3")


def _bind_free_port() -> socket.socket:
    for port in LIVE_SERVER_PORTS:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        sock.set_inheritable(True)
        return sock
    raise RuntimeError("no free port for the live server in 127.0.0.1:18200-18299")


@dataclass
class LiveServer:
    url: str
    port: int
    loop: asyncio.AbstractEventLoop

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def run_on_server(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work`` as the server would run a view's code, and return its result.

        The test's in-memory channel layer is not thread-safe: a live push sent from the
        test's thread reaches the server's queues without waking its event loop, so a page
        is told only when some later request happens to wake it. Run here, ``work``'s
        ``async_to_sync`` pushes are sent on the server's own loop.
        """
        running = sync_to_async(work, thread_sensitive=False)(*args)
        return asyncio.run_coroutine_threadsafe(running, self.loop).result(timeout=30)


@pytest.fixture
def asgi_live_server(transactional_db: None) -> Iterator[LiveServer]:
    """officina.asgi.application served by uvicorn in a thread: HTTP and WebSocket."""
    import uvicorn
    from channels.layers import channel_layers

    from officina.asgi import application

    # A channel layer of this server's own: the in-memory layer is made once per process,
    # and would keep the groups and queues of earlier tests' servers (and their loops).
    channel_layers.backends.clear()
    sock = _bind_free_port()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        application, log_level="warning", lifespan="off", ws="websockets-sansio", access_log=False
    )
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", port=port, loop=loops[0])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        channel_layers.backends.clear()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium for one test.

    Not shared across tests: while Playwright's sync API runs, this thread counts as
    running an event loop, which would break every asyncio test that follows in the
    same worker; and Django would refuse the test's own ORM calls (hence the flag).
    """
    from playwright.sync_api import expect, sync_playwright

    # Two cores shared by many workers: give live updates time before calling them lost.
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _session_cookie_for(member: Member) -> str:
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    return str(session.session_key)


@pytest.fixture
def new_context(browser: Any, asgi_live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``new_context()`` → anonymous context; ``new_context(member)`` → logged in as them."""
    contexts: list[Any] = []

    def make(member: Member | None = None, *, locale: str = "en-US", **options: Any) -> Any:
        context = browser.new_context(
            base_url=asgi_live_server.url,
            locale=locale,
            viewport=options.pop("viewport", {"width": 1280, "height": 900}),
            **options,
        )
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        if member is not None:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": _session_cookie_for(member),
                        "url": asgi_live_server.url,
                    }
                ]
            )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    return new_context().new_page()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under test-artifacts/ (gitignored) and return its path."""
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page: Any, name: str) -> Path:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        path = ARTIFACTS_DIR / f"{test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
