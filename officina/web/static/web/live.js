// Live updates from the server: one WebSocket per feature, reconnecting with back-off.
// Usage: Officina.live("/ws/presence/space-slug/", (message) => { ... });
(function () {
  "use strict";
  function live(path, onMessage, options) {
    const opts = Object.assign({ maxDelay: 15000 }, options || {});
    let delay = 500;
    let socket = null;
    let closedByUs = false;
    function connect() {
      const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + path);
      socket.addEventListener("open", () => {
        delay = 500;
        document.documentElement.dataset.live = "on";
        if (opts.onOpen) opts.onOpen(socket);
      });
      socket.addEventListener("message", (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch (_) { return; }
        onMessage(message, socket);
      });
      socket.addEventListener("close", () => {
        document.documentElement.dataset.live = "off";
        if (closedByUs) return;
        // Back off so that a restarting server is not stormed by every open page.
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, opts.maxDelay);
      });
    }
    connect();
    return {
      send(data) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data)); },
      close() { closedByUs = true; if (socket) socket.close(); },
    };
  }
  window.Officina = Object.assign(window.Officina || {}, { live });
})();
