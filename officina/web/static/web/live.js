// Live updates from the server: one WebSocket per feature, reconnecting with back-off.
// Usage: Officina.live("/ws/presence/space-slug/", (message) => { ... });
// <html data-live> is "on" only while every socket the page opened is open: a page
// with its notifications' socket up but its own feature's still connecting is not live.
// Feature scripts are modules, run after the page is parsed: until then the page is
// not live either, as their sockets are not yet counted.
(function () {
  "use strict";
  let notOpen = 0;
  function markPage() {
    const ready = document.readyState !== "loading";
    document.documentElement.dataset.live = ready && notOpen === 0 ? "on" : "off";
  }
  document.addEventListener("DOMContentLoaded", markPage);
  function live(path, onMessage, options) {
    const opts = Object.assign({ maxDelay: 15000 }, options || {});
    let delay = 500;
    let socket = null;
    let closedByUs = false;
    let open = false;
    notOpen += 1;
    markPage();
    function connect() {
      const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + path);
      socket.addEventListener("open", () => {
        delay = 500;
        open = true;
        notOpen -= 1;
        markPage();
        if (opts.onOpen) opts.onOpen(socket);
      });
      socket.addEventListener("message", (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch (_) { return; }
        onMessage(message, socket);
      });
      socket.addEventListener("close", () => {
        // One the page closed itself no longer counts (close() saw to it); one that
        // dropped is awaited again.
        if (open && !closedByUs) notOpen += 1;
        open = false;
        markPage();
        if (closedByUs) return;
        // Back off so that a restarting server is not stormed by every open page.
        setTimeout(() => { if (!closedByUs) connect(); }, delay);
        delay = Math.min(delay * 2, opts.maxDelay);
      });
    }
    connect();
    return {
      send(data) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data)); },
      close() {
        if (closedByUs) return;
        closedByUs = true;
        if (!open) notOpen -= 1;
        markPage();
        if (socket) socket.close();
      },
    };
  }
  window.Officina = Object.assign(window.Officina || {}, { live });
})();
