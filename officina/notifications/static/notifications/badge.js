// Live notification badge: listens on /ws/notifications/ and keeps #notifications-badge current.
(function () {
  "use strict";
  function start() {
    const badge = document.getElementById("notifications-badge");
    if (!badge || !window.Officina || window.Officina.notificationsLive) return;
    window.Officina.notificationsLive = window.Officina.live("/ws/notifications/", (message) => {
      if (message.type !== "notification" || typeof message.unread !== "number") return;
      badge.dataset.count = String(message.unread);
      badge.textContent = message.unread > 0 ? String(message.unread) : "";
      if (message.text) {
        badge.title = message.text;
        document.dispatchEvent(new CustomEvent("officina:notification", { detail: message }));
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
