"""Content-Security-Policy and Permissions-Policy on every page, and no inline code left for
the policy to block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

PACKAGE = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))
INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "inline script"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"<style[\s>]", re.I), "style element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: link"),
]


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/login/", "/no-such-page/", "/api/docs"])
def test_pages_allow_scripts_and_styles_from_the_site_only(client, path):
    policy = directives(client.get(path)["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


@pytest.mark.django_db
def test_pages_may_use_the_microphone_here_and_never_the_camera_or_location(client):
    header = client.get("/")["Permissions-Policy"]
    features = dict(item.strip().split("=", 1) for item in header.split(","))
    assert features["microphone"] == "(self)"
    assert features["camera"] == "()"
    assert features["geolocation"] == "()"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_templates_hold_no_inline_code(template):
    text = template.read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE_CODE if pattern.search(text)]
    assert not found, found


@pytest.mark.browser
def test_pages_render_styled_without_a_policy_violation(new_context, giulia, navigli):
    page = new_context(giulia).new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in ["/", "/spaces/navigli/", "/feed/", "/events/", "/search/?q=rossi", "/phone/"]:
        page.goto(path)
        expect(page.locator(".topbar")).to_have_css("display", "flex")
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui")).to_be_visible()
    assert not violations, violations
