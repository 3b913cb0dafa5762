// Direct messages, live: new messages appear in the open conversation; the form sends without reload.
(function () {
  "use strict";
  function appendMessage(thread, message, me) {
    if (thread.querySelector('[data-message="' + message.id + '"]')) return;
    const empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    const item = document.createElement("li");
    item.className = "chat-message" + (message.sender_id === me ? " mine" : "");
    item.dataset.message = String(message.id);
    const meta = document.createElement("span");
    meta.className = "small muted";
    // The server writes the time (created_at_shown) as it writes it on a reloaded page.
    const time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = message.created_at_shown || message.created_at;
    meta.append(message.sender_name + " · ", time);
    const body = document.createElement("div");
    body.className = "chat-body";
    body.textContent = message.body;  // text, never HTML: messages are user input
    item.append(meta, body);
    thread.append(item);
    item.scrollIntoView({ block: "end" });
  }
  function start() {
    const thread = document.getElementById("messages-thread");
    const inbox = document.getElementById("inbox");
    if (!window.Officina || (!thread && !inbox)) return;
    const me = thread ? Number(thread.dataset.me) : null;
    const conversationId = thread ? Number(thread.dataset.conversation) : null;
    window.Officina.live("/ws/messages/", (message) => {
      if (message.type !== "message") return;
      if (thread && message.conversation === conversationId) {
        appendMessage(thread, message, me);
      } else if (inbox) {
        const row = inbox.querySelector('[data-conversation="' + message.conversation + '"]');
        if (row) {
          row.classList.add("unread");
          const last = row.querySelector(".last-message");
          if (last) last.textContent = message.body.slice(0, 120);
          inbox.prepend(row);
        } else {
          window.location.reload();
        }
      }
    }, { onOpen: () => { document.body.dataset.messagesLive = "on"; } });
    const form = document.getElementById("message-form");
    if (!form || !thread) return;
    const textarea = form.querySelector("textarea");
    const error = document.getElementById("message-error");
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!textarea.value.trim()) return;
      error.textContent = "";
      const response = await fetch(window.location.pathname, {
        method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin",
      }).catch(() => null);
      if (response && response.ok) {
        textarea.value = "";
        textarea.focus();
        // Without a live socket our own message would not come back: show it by reloading.
        if (document.documentElement.dataset.live !== "on") window.location.reload();
      } else if (response) {
        const data = await response.json().catch(() => ({}));
        const errors = data.errors && data.errors.body;
        error.textContent = errors ? errors.map((e) => e.message).join(" ") : response.statusText;
      } else {
        form.submit();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
