// Live notification badge: listens on /ws/notifications/ and keeps #notifications-badge current.
(function () {
  "use strict";
  // On the notifications page, a new notification shows up at the top of the list.
  function prependToList(message) {
    const list = document.getElementById("notification-list");
    if (!list) return;
    const item = document.createElement("li");
    item.className = "card notification unread";
    const link = document.createElement("a");
    link.textContent = message.text;  // text, never HTML
    // Only links within this site (a path, not "//host").
    link.href = /^\/(?!\/)/.test(message.url || "") ? message.url : "#";
    item.append(link);
    list.prepend(item);
  }
  function start() {
    const badge = document.getElementById("notifications-badge");
    if (!badge || !window.Officina || window.Officina.notificationsLive) return;
    window.Officina.notificationsLive = window.Officina.live("/ws/notifications/", (message) => {
      if (message.type !== "notification" || typeof message.unread !== "number") return;
      badge.dataset.count = String(message.unread);
      badge.textContent = message.unread > 0 ? String(message.unread) : "";
      if (message.text) {
        badge.title = message.text;
        prependToList(message);
        document.dispatchEvent(new CustomEvent("officina:notification", { detail: message }));
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
