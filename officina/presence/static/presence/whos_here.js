// "Who's here": apply arrivals and departures pushed over the space's WebSocket.
import { shownMoment } from "../web/moments.js";

(function () {
  "use strict";
  const section = document.getElementById("whos-here");
  if (!section || !window.Officina) return;
  const list = document.getElementById("present-list");
  const template = document.getElementById("person-template");
  const count = document.getElementById("present-count");
  const nobody = document.getElementById("nobody");
  const labels = section.dataset;

  function refreshCount() {
    const total = list.querySelectorAll("li.person").length;
    count.textContent = String(total);
    nobody.hidden = total > 0;
  }

  function render(member) {
    const item = template.content.firstElementChild.cloneNode(true);
    item.dataset.memberId = String(member.id);
    item.dataset.endsAt = member.ends_at || "";
    item.querySelector(".avatar").textContent = member.initials;
    const name = item.querySelector(".name");
    name.textContent = member.name;
    name.href = member.profile_url || "#";
    item.querySelector(".company").textContent = member.company || "";
    const detail = item.querySelector(".detail");
    const dot = document.createElement("span");
    dot.className = "status-dot " + (member.kind === "remote" ? "remote" : "here");
    detail.append(dot);
    let text = " ";
    if (member.kind === "remote") text += labels.labelRemote + " ";
    const clock = (at) => shownMoment(new Date(at), labels.clockFormat, labels.zone);
    text += labels.labelSince + " " + clock(member.since_at);
    if (member.until_at) text += " · " + labels.labelUntil + " " + clock(member.until_at);
    if (member.desk) text += " · " + labels.labelDesk + " " + member.desk;
    detail.append(document.createTextNode(text));
    const note = item.querySelector(".note");
    if (member.note) note.textContent = "“" + member.note + "”"; else note.remove();
    return item;
  }

  function remove(memberId) {
    const item = list.querySelector('li.person[data-member-id="' + memberId + '"]');
    if (item) item.remove();
  }

  // A member's phone went on a call or off it: a tag after their name.
  function showOnCall(memberId, onCall) {
    const item = list.querySelector('li.person[data-member-id="' + memberId + '"]');
    if (!item) return;
    const tag = item.querySelector(".on-call");
    if (onCall && !tag) {
      const added = document.createElement("span");
      added.className = "tag on-call";
      added.textContent = labels.labelOnCall;
      item.querySelector(".name").after(document.createTextNode(" "), added);
    } else if (!onCall && tag) {
      tag.remove();
    }
  }

  // A session past its planned end is over even if nobody checked out: drop it here too.
  function dropExpired() {
    const now = Date.now();
    for (const item of list.querySelectorAll("li.person[data-ends-at]")) {
      const endsAt = Date.parse(item.dataset.endsAt);
      if (!Number.isNaN(endsAt) && endsAt <= now) item.remove();
    }
    refreshCount();
  }
  setInterval(dropExpired, 30000);

  window.Officina.live(labels.socket, function (message) {
    if (message.event === "arrival") {
      remove(message.member.id);
      const item = render(message.member);
      item.classList.add("arrived");
      list.prepend(item);
    } else if (message.event === "departure") {
      remove(message.member_id);
    } else if (message.event === "phone") {
      showOnCall(message.member_id, message.on_call);
    }
    refreshCount();
  });
})();
