// On every page of a signed-in member: open the browser phone's window, dial from a
// link, and show its incoming calls wherever the member is.
//   <a href="/phone/browser/" data-softphone>            opens (or brings back) the phone
//   <button data-softphone-dial="202" data-softphone-url="/phone/browser/">  dials 202 in it
// The phone lives in its own named window (see pbx/frontend/softphone.js), so that a
// call lasts while this page is left; they talk over the BroadcastChannel "officina-phone".
(function () {
  "use strict";
  const WINDOW_NAME = "officina-phone";
  const FEATURES = "popup,width=420,height=760";
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("officina-phone") : null;

  // The phone's window if it is open, found by its name without reloading it (an empty
  // address never navigates a window that exists); a new blank one otherwise.
  function openPhone(url, number) {
    const target = number ? url + "?dial=" + encodeURIComponent(number) : url;
    const phone = window.open("", WINDOW_NAME, FEATURES);
    if (!phone) {
      window.location.href = target; // pop-ups blocked: the phone takes this tab
      return;
    }
    let blank = true;
    try { blank = phone.location.href === "about:blank"; } catch (_) { blank = false; }
    if (blank) {
      phone.location.href = target;
    } else if (number && channel) {
      channel.postMessage({ type: "dial", number: number });
    }
    phone.focus();
  }

  document.addEventListener("click", (event) => {
    const dial = event.target.closest("[data-softphone-dial]");
    const link = event.target.closest("[data-softphone]");
    if (!dial && !link) return;
    event.preventDefault();
    if (dial) openPhone(dial.dataset.softphoneUrl, dial.dataset.softphoneDial);
    else openPhone(link.getAttribute("href"), "");
  });

  // "Call" buttons (pbx/click_to_call.html): the PBX rings the member's own phone, then
  // puts them through; the text beside the button follows the call, asking the server
  // for each change (it answers when the state is no longer the one the page knows).
  // While a phone rings, "Cancel" beside it stops the call; once answered, "Hang up"
  // ends it (the PBX hangs up both phones).
  const RINGING = ["ringing", "connecting"];
  async function followCall(form) {
    const status = form.querySelector("[data-call-status]");
    const button = form.querySelector("button[type=submit]");
    const cancel = form.querySelector("[data-call-cancel]");
    const hangUp = form.querySelector("[data-call-hang-up]");
    const name = form.elements.name.value;
    const json = { Accept: "application/json" };
    let ended = false;
    function show(answer) {
      if (ended) return;
      status.textContent = answer.message;  // text, never HTML
      status.dataset.state = answer.state || answer.code;
      cancel.hidden = !RINGING.includes(answer.state);
      hangUp.hidden = answer.state !== "connected";
      ended = Boolean(answer.final);
    }
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: json, credentials: "same-origin",
      });
      const answer = await response.json();
      show(answer);
      if (!response.ok) return;
      async function end(pressed) {
        pressed.disabled = true;
        try {
          const body = new FormData();
          body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
          body.append("name", name);
          const ended = await fetch(answer.end, {
            method: "POST", body: body, headers: json, credentials: "same-origin",
          });
          show(await ended.json());
        } catch (_) {
          status.textContent = form.dataset.failed;
        } finally {
          pressed.disabled = false;
        }
      }
      cancel.onclick = () => end(cancel);
      hangUp.onclick = () => end(hangUp);
      let state = answer.state;
      while (!ended) {
        const url = answer.progress + "?known=" + encodeURIComponent(state) +
          "&name=" + encodeURIComponent(name);
        const next = await (await fetch(url, { headers: json, credentials: "same-origin" })).json();
        if (!next.state) {
          show(next);
          return;
        }
        show(next);
        state = next.state;
      }
    } catch (_) {
      status.textContent = form.dataset.failed;
    } finally {
      cancel.hidden = true;
      cancel.onclick = null;
      hangUp.hidden = true;
      hangUp.onclick = null;
      button.disabled = false;
    }
  }
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-click-to-call]");
    if (!form) return;
    event.preventDefault();
    followCall(form);
  });

  if (!channel || document.body.classList.contains("softphone-window")) return;
  let banner = null;
  function hideBanner() {
    if (banner) banner.remove();
    banner = null;
  }
  function showBanner(message) {
    const template = document.getElementById("softphone-incoming-banner");
    if (!template) return;
    hideBanner();
    banner = template.content.firstElementChild.cloneNode(true);
    const name = message.name ? message.name + " (" + message.number + ")" : message.number;
    banner.querySelector("[data-caller]").textContent = name;  // text, never HTML
    banner.querySelector("[data-answer]").addEventListener("click", () => {
      channel.postMessage({ type: "answer", phone: message.phone });
      const phone = window.open("", WINDOW_NAME, FEATURES);
      if (phone) phone.focus();
      hideBanner();
    });
    banner.querySelector("[data-decline]").addEventListener("click", () => {
      channel.postMessage({ type: "decline", phone: message.phone });
      hideBanner();
    });
    document.body.append(banner);
  }
  channel.onmessage = (event) => {
    const message = event.data || {};
    if (message.type === "incoming" && typeof message.number === "string") showBanner(message);
    else if (message.type === "incoming-over") hideBanner();
  };
})();
