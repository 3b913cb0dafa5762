"""Privacy in Chromium: a newcomer asks to join and a manager lets them in; a member
who shows their presence to nobody is absent for the others, live too."""

from functools import partial

import pytest
from playwright.sync_api import expect

from officina.presence import actions

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_newcomer_asks_to_join_and_sees_who_is_here_once_accepted(
    new_context, asgi_live_server, make_member, giulia, luca, navigli, screenshot
):
    # On the server's loop: Playwright's loop runs in this thread, and the check-in's
    # live push must not run inside it.
    asgi_live_server.run_on_server(
        partial(actions.check_check_in, giulia, navigli, note="the Rossi website")
    )
    luca.language = "it"  # the manager reads Officina in Italian
    luca.save()
    chiara = make_member("chiara@officina.test", first_name="Chiara", last_name="Fontana")

    newcomer = new_context(chiara, viewport=PHONE).new_page()
    newcomer.goto("/spaces/navigli/")
    expect(newcomer.get_by_role("button", name="Ask to join")).to_be_visible()
    expect(newcomer.locator("body")).not_to_contain_text("Giulia Rossi")
    newcomer.get_by_label("A word for the managers (optional)").fill("A desk from March")
    newcomer.get_by_role("button", name="Ask to join").click()
    expect(newcomer.locator("#join-pending")).to_be_visible()
    expect(newcomer.locator("body")).not_to_contain_text("the Rossi website")
    screenshot(newcomer, "1-newcomer-waits")

    # The manager, in Italian, in a second browser: told, then accepts from the queue.
    manager = new_context(luca, locale="it-IT").new_page()
    manager.goto("/notifications/")
    expect(manager.locator("body")).to_contain_text("Chiara Fontana chiede di entrare in")
    manager.goto("/spaces/navigli/manage/")
    manager.get_by_role("link", name="1 richiesta di ingresso").click()
    expect(manager.locator("#join-requests")).to_contain_text("A desk from March")
    screenshot(manager, "2-manager-queue")
    manager.get_by_role("button", name="Accetta Chiara Fontana").click()
    expect(manager.locator("body")).to_contain_text("Chiara Fontana ora è membro.")
    expect(manager.locator("#join-requests")).to_contain_text("Nessuno aspetta di entrare.")

    newcomer.goto("/spaces/navigli/")
    person = newcomer.locator("#present-list li", has_text="Giulia Rossi")
    expect(person).to_be_visible()
    expect(person).to_contain_text("the Rossi website")
    screenshot(newcomer, "3-newcomer-sees-who-is-here")
    newcomer.goto("/notifications/")
    expect(newcomer.locator("body")).to_contain_text("Welcome to Officina Navigli")


def test_a_member_who_shows_nobody_is_absent_for_the_others(
    new_context, giulia, marco, navigli, screenshot
):
    watcher = new_context(giulia, viewport=PHONE).new_page()
    watcher.goto("/spaces/navigli/")
    expect(watcher.locator("html")).to_have_attribute("data-live", "on")

    hidden = new_context(marco).new_page()
    hidden.goto("/settings/")
    hidden.get_by_label("nobody").check()
    hidden.locator("#privacy-form").get_by_role("button", name="Save").click()
    expect(hidden.locator("body")).to_contain_text("Who sees that you are here is saved.")
    hidden.goto("/spaces/navigli/")
    hidden.locator("#id_note").fill("heads down")
    hidden.get_by_role("button", name="Check in").click()
    expect(hidden.locator("#present-list li", has_text="Marco Colombo")).to_be_visible()

    # Neither pushed live nor on a fresh page, the dashboard or the people list.
    watcher.wait_for_timeout(1500)
    expect(watcher.locator("#present-list li")).to_have_count(0)
    watcher.reload()
    expect(watcher.locator("#present-list li")).to_have_count(0)
    expect(watcher.locator("body")).not_to_contain_text("heads down")
    screenshot(watcher, "1-marco-absent")
    watcher.goto("/")
    navigli_people = watcher.locator("section", has_text="Officina Navigli").locator(
        ".present-people"
    )
    expect(navigli_people).not_to_contain_text("Marco Colombo")

    # Showing himself again to everyone in his spaces brings him to the open page, live.
    watcher.goto("/spaces/navigli/")
    expect(watcher.locator("html")).to_have_attribute("data-live", "on")
    hidden.goto("/settings/")
    hidden.get_by_label("everyone in my spaces").check()
    hidden.locator("#privacy-form").get_by_role("button", name="Save").click()
    expect(watcher.locator("#present-list li", has_text="Marco Colombo")).to_be_visible()
    screenshot(watcher, "2-marco-shown-again")
