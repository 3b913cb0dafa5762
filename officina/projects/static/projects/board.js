// The task board: drag a card to another column to move it. The drop presses the card's
// own "→ status" button, so the move goes through the same form, checks and page as
// without a mouse; the buttons stay for keyboards and touch screens.
(function () {
  "use strict";
  const board = document.getElementById("task-board");
  if (!board) return;
  let dragged = null;

  board.querySelectorAll(".task-card").forEach(function (card) {
    if (!card.querySelector("form.task-moves")) return; // read-only for this person
    card.draggable = true;
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.id);
      card.classList.add("dragging");
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("dragging");
      board.querySelectorAll(".drop-here").forEach(function (column) {
        column.classList.remove("drop-here");
      });
      dragged = null;
    });
  });

  function moveButton(status) {
    if (!dragged) return null;
    return dragged.querySelector('form.task-moves button[name="status"][value="' + status + '"]');
  }

  board.querySelectorAll(".task-column[data-status]").forEach(function (column) {
    const status = column.dataset.status;
    column.addEventListener("dragover", function (event) {
      if (!moveButton(status)) return; // its own column, or not a card of this board
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("drop-here");
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) column.classList.remove("drop-here");
    });
    column.addEventListener("drop", function (event) {
      const button = moveButton(status);
      if (!button) return;
      event.preventDefault();
      column.classList.add("moving");
      button.form.requestSubmit(button);
    });
  });
})();
