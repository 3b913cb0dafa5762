"""Every main page, in English and Italian, on a 390x844 phone: nothing scrolls sideways,
and axe-core (WCAG 2.1 A/AA and best practices) finds nothing serious or critical.

The pages are those of the demo community (`officina demo`, smaller), seen by a member
and by a visitor. axe-core comes from npm (`scripts/test` installs it into .venv/node).
Screenshots of each page go to test-artifacts/ for a human look.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from officina.accounts.models import Member
from officina.conftest import REPO_ROOT
from officina.events.models import Event
from officina.knowledge.models import Question
from officina.social.models import Post

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LANGUAGES = ("en", "it")
AXE_CORE_JS = Path(
    os.environ.get("AXE_CORE_JS", REPO_ROOT / ".venv/node/node_modules/axe-core/axe.min.js")
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}

MEMBER_PAGES = [
    "/",
    "/feed/",
    "/spaces/",
    "/spaces/{space}/",
    "/spaces/{space}/people/",
    "/members/",
    "/members/{member}/",
    "/companies/",
    "/companies/{company}/",
    "/questions/",
    "/questions/{question}/",
    "/posts/{post}/",
    "/events/",
    "/events/{event}/",
    "/bookings/",
    "/bookings/{space}/",
    "/skills/",
    "/skills/mine/",
    "/meet/",
    "/messages/",
    "/search/?q=design",
    "/phone/",
    "/notifications/",
    "/settings/",
]
VISITOR_PAGES = ["/", "/login/", "/signup/", "/password-reset/"]

# Names the first elements that stick out on the right, to say what to fix.
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll("body *")]
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 5)
  .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`)"""


@pytest.fixture
def demo_pages(transactional_db: None) -> tuple[Member, list[str]]:
    """Loaded before the browser starts: Playwright's loop in this thread forbids the
    demo's live pushes (async_to_sync) once it runs."""
    call_command("demo", members=40, companies=8, verbosity=0)
    member = Member.objects.get(email="giulia@officina.demo")
    space = member.space_memberships.select_related("space").first().space  # type: ignore[union-attr]
    values = {
        "space": space.slug,
        "member": Member.objects.exclude(pk=member.pk).filter(is_active=True).first().pk,  # type: ignore[union-attr]
        "company": member.company_memberships.select_related("company").first().company.slug,  # type: ignore[union-attr]
        "question": Question.objects.order_by("-answer_count").first().pk,  # type: ignore[union-attr]
        "post": Post.objects.order_by("-comment_count").first().pk,  # type: ignore[union-attr]
        "event": Event.objects.order_by("starts_at").last().pk,  # type: ignore[union-attr]
    }
    return member, [path.format(**values) for path in MEMBER_PAGES]


def _axe_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE_CORE_JS))
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


# One test per language: the two run side by side on the suite's two workers.
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_main_page_fits_a_phone_and_passes_axe(language, demo_pages, new_context, screenshot):
    assert AXE_CORE_JS.is_file(), f"{AXE_CORE_JS} missing: scripts/test installs axe-core"
    member, member_pages = demo_pages
    problems: list[str] = []
    for who, paths in ((member, member_pages), (None, VISITOR_PAGES)):
        # The member's setting speaks for them; the visitor's browser for the visitor.
        Member.objects.filter(pk=member.pk).update(language=language)
        # The checker is injected as a script: only the test's own pages bypass the CSP.
        context = new_context(who, locale=language, viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.ok, (path, response and response.status)
            expect(page.locator("html")).to_have_attribute("lang", language)
            label = f"{language}-{'member' if who else 'visitor'}-{path}"
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
                problems.append(f"{label} scrolls sideways: {page.evaluate(WIDER_THAN_SCREEN)}")
            problems += [f"{label} {violation}" for violation in _axe_violations(page)]
            screenshot(page, label.strip("/").replace("/", "_").replace("?", "_"))
    assert not problems, "\n".join(problems)
