// Skill pickers: a <select data-skill-picker="one|many"> (see officina/skills/pickers.py)
// becomes a type-to-search combobox, the WAI-ARIA pattern: a text field with a list box
// of matching skills, arrows to move, Enter to choose, Escape to close. Typing matches
// both languages' names and the synonyms, accents and case aside, from each option's
// data-words. The select stays in the form (hidden) and is what is sent, so a page
// without this script keeps a working plain select. Texts come translated in the
// select's data attributes.
(function () {
  "use strict";
  const SHOWN = 12;
  let counter = 0;

  function fold(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
  }

  function format(template, value) {
    return template.replace(/%[sd]/, value);
  }

  function enhance(select) {
    const many = select.dataset.skillPicker === "many";
    const id = `skill-picker-${++counter}`;
    const entries = Array.from(select.options)
      .filter((option) => option.value !== "")
      .map((option) => ({
        option,
        label: option.textContent.trim(),
        folded: fold(option.textContent),
        words: option.dataset.words || fold(option.textContent),
        group: option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "",
      }));

    const wrapper = document.createElement("div");
    wrapper.className = "skill-picker";
    const input = document.createElement("input");
    input.type = "text";
    input.id = `${id}-input`;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", `${id}-list`);
    input.placeholder = select.dataset.placeholder || "";
    const list = document.createElement("ul");
    list.id = `${id}-list`;
    list.className = "skill-picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    const error = document.createElement("p");
    error.className = "skill-picker-error";
    error.id = `${id}-error`;
    error.hidden = true;

    const label = select.id ? document.querySelector(`label[for="${select.id}"]`) : null;
    if (label) {
      label.htmlFor = input.id;
      if (!label.id) label.id = `${id}-label`;
      list.setAttribute("aria-labelledby", label.id);
    }
    const describedBy = select.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", [describedBy, error.id].filter(Boolean).join(" "));
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");

    let chosenList = null;
    if (many) {
      chosenList = document.createElement("ul");
      chosenList.className = "skill-picker-chosen plain";
      chosenList.setAttribute("aria-label", select.dataset.chosen || "");
    }

    select.hidden = true;
    select.tabIndex = -1;
    select.after(wrapper);
    wrapper.append(...[chosenList, input, list, status, error].filter(Boolean));

    let shown = [];
    let active = -1;

    function selectedLabel() {
      const option = select.selectedOptions[0];
      return option && option.value !== "" ? option.textContent.trim() : "";
    }

    function renderChosen() {
      if (!chosenList) return;
      chosenList.replaceChildren();
      for (const option of select.selectedOptions) {
        const item = document.createElement("li");
        item.className = "tag";
        item.append(option.textContent.trim());
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link skill-picker-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", format(select.dataset.remove || "%s", option.textContent.trim()));
        remove.addEventListener("click", () => {
          option.selected = false;
          renderChosen();
          select.dispatchEvent(new Event("change", { bubbles: true }));
          input.focus();
        });
        item.append(remove);
        chosenList.append(item);
      }
    }

    function matches(query) {
      const words = fold(query).split(/\s+/).filter(Boolean);
      if (!words.length) return [];
      const found = [];
      for (const entry of entries) {
        if (many && entry.option.selected) continue;
        if (!words.every((word) => entry.words.includes(word))) continue;
        // Names starting with what was typed first, then a word starting with it.
        const rank = entry.folded.startsWith(words[0])
          ? 0
          : (" " + entry.words).includes(" " + words[0])
            ? 1
            : 2;
        found.push([rank, entry]);
      }
      found.sort((a, b) => a[0] - b[0] || a[1].folded.localeCompare(b[1].folded));
      return found.map((pair) => pair[1]);
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      active = index;
      list.querySelectorAll("[role=option]").forEach((item, position) => {
        item.setAttribute("aria-selected", String(position === index));
      });
      if (index >= 0) {
        const item = document.getElementById(`${id}-option-${index}`);
        input.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(entry) {
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      if (many) {
        entry.option.selected = true;
        input.value = "";
        renderChosen();
      } else {
        select.value = entry.option.value;
        input.value = entry.label;
      }
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function update() {
      const found = matches(input.value);
      shown = found.slice(0, SHOWN);
      list.replaceChildren();
      shown.forEach((entry, index) => {
        const item = document.createElement("li");
        item.id = `${id}-option-${index}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.append(entry.label);
        if (entry.group) {
          const group = document.createElement("span");
          group.className = "small muted";
          group.textContent = ` · ${entry.group}`;
          item.append(group);
        }
        // mousedown, not click: choosing must happen before the field loses focus.
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(entry);
        });
        list.append(item);
      });
      const typed = input.value.trim();
      if (!typed) {
        close();
        status.textContent = "";
        return;
      }
      if (!found.length) {
        close();
        status.textContent = format(select.dataset.noMatch || "", typed);
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
      status.textContent =
        found.length === 1
          ? select.dataset.oneMatch || ""
          : format(select.dataset.matches || "", found.length);
    }

    input.addEventListener("input", () => {
      error.hidden = true;
      if (!many && input.value.trim() === "") select.value = "";
      update();
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && shown.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) update();
        if (shown.length) highlight((active + 1) % shown.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) highlight(active <= 0 ? shown.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && (active >= 0 || shown.length === 1)) {
          event.preventDefault();
          choose(shown[Math.max(active, 0)]);
        } else if (many && input.value.trim()) {
          event.preventDefault(); // Enter in a half-typed name must not send the form
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        } else if (!many) {
          input.value = selectedLabel();
        }
      }
    });
    input.addEventListener("blur", () => {
      close();
      if (!many && input.value.trim() && input.value.trim() !== selectedLabel()) {
        // What was typed names no chosen skill: one exact match is taken, else it is said.
        const exact = entries.filter(
          (entry) => entry.folded === fold(input.value) || entry.words.split(" ").includes(fold(input.value)),
        );
        if (exact.length === 1) choose(exact[0]);
        else select.value = "";
      }
    });
    select.form?.addEventListener("submit", (event) => {
      const typed = input.value.trim();
      if (typed && (many || typed !== selectedLabel())) {
        event.preventDefault();
        error.textContent = select.dataset.chooseFromList || "";
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    });

    input.value = many ? "" : selectedLabel();
    renderChosen();
  }

  function start() {
    document.querySelectorAll("select[data-skill-picker]").forEach(enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
