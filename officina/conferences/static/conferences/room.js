// The conference room's page: who is in the call, redrawn from each live message.
(function () {
  "use strict";
  const root = document.getElementById("conference");
  if (!root || !window.Officina || !window.Officina.live) return;
  const list = document.getElementById("participants");
  const nobody = document.getElementById("nobody");
  const words = document.getElementById("words").dataset;
  const mayManage = root.dataset.mayManage === "yes";
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value
    || (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";

  function row(person) {
    const item = document.createElement("li");
    item.className = "participant spread";
    item.dataset.participant = person.id;
    const who = document.createElement("span");
    who.textContent = (person.name || person.number) + " ";
    const number = document.createElement("span");
    number.className = "muted small";
    number.textContent = person.number;
    who.appendChild(number);
    if (person.muted_self || person.muted_by_owner) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = words.muted;
      who.append(" ", tag);
    }
    item.appendChild(who);
    if (mayManage) {
      const form = document.createElement("form");
      form.method = "post";
      form.action = root.dataset.muteUrl.replace(/\/0\/mute\/$/, "/" + person.id + "/mute/");
      form.innerHTML = '<input type="hidden" name="csrfmiddlewaretoken"><input type="hidden" name="muted">'
        + '<button type="submit" class="small secondary"></button>';
      form.elements.csrfmiddlewaretoken.value = csrf;
      form.elements.muted.value = person.muted_by_owner ? "no" : "yes";
      form.querySelector("button").textContent = person.muted_by_owner ? words.unmute : words.mute;
      item.appendChild(form);
    }
    return item;
  }

  window.Officina.live(root.dataset.live, (message) => {
    if (!Array.isArray(message.participants)) return;
    list.replaceChildren(...message.participants.map(row));
    nobody.hidden = message.participants.length > 0;
  });
})();
