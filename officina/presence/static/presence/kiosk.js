// Kiosk at the door: find yourself, type your PIN, checked in (or out). Resets when idle.
import { shownMoment } from "../web/moments.js";

(function () {
  "use strict";
  const root = document.getElementById("kiosk");
  if (!root) return;
  const data = root.dataset;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const search = document.getElementById("kiosk-search");
  const results = document.getElementById("kiosk-people");
  const steps = { find: "step-find", pin: "step-pin", done: "step-done" };
  const dots = document.getElementById("pin-dots");
  const error = document.getElementById("pin-error");
  let chosen = null;
  let pin = "";
  let idleTimer = null;
  let searchTimer = null;

  function show(step) {
    for (const id of Object.values(steps)) document.getElementById(id).hidden = id !== steps[step];
  }

  function reset() {
    chosen = null; pin = ""; search.value = ""; results.replaceChildren(); error.textContent = "";
    show("find"); search.focus();
  }

  function touch() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(reset, 30000);
  }

  function choose(person) {
    chosen = person; pin = ""; error.textContent = ""; dots.textContent = "";
    document.getElementById("pin-title").textContent =
      person.name + " · " + (person.here === null ? data.labelCheckInOrOut
        : person.here ? data.labelCheckOut : data.labelCheckIn);
    show("pin");
  }

  async function lookup() {
    const query = search.value.trim();
    if (query.length < 2) { results.replaceChildren(); return; }
    const response = await fetch(data.peopleUrl + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const body = await response.json();
    results.replaceChildren(...body.people.map((person) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "kiosk-person";
      const avatar = document.createElement("span");
      avatar.className = "avatar"; avatar.textContent = person.initials;
      const label = document.createElement("span");
      label.textContent = person.name;
      button.append(avatar, label);
      if (person.here || !person.has_pin) {
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = person.has_pin ? data.labelHere : data.labelNoPin;
        button.append(tag);
      }
      button.disabled = !person.has_pin;
      button.addEventListener("click", () => choose(person));
      item.append(button);
      return item;
    }));
  }

  async function submit() {
    if (!chosen || pin.length < 4) return;
    const response = await fetch(data.toggleUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ member: chosen.id, pin: pin }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      pin = ""; dots.textContent = "";
      error.textContent = body.message || "Error";
      return;
    }
    document.getElementById("done-message").textContent = body.message;
    show("done");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(reset, 4000);
  }

  search.addEventListener("input", () => { touch(); clearTimeout(searchTimer); searchTimer = setTimeout(lookup, 200); });
  document.getElementById("pin-pad").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    touch();
    if (button.dataset.digit && pin.length < 8) pin += button.dataset.digit;
    if (button.dataset.action === "back") pin = pin.slice(0, -1);
    if (button.dataset.action === "ok") { submit(); return; }
    error.textContent = "";
    dots.textContent = "●".repeat(pin.length);
  });
  document.getElementById("pin-cancel").addEventListener("click", reset);

  function tick() {
    document.getElementById("kiosk-clock").textContent =
      shownMoment(new Date(), data.clockFormat, data.zone);
  }
  tick(); setInterval(tick, 10000);
  reset();
})();
