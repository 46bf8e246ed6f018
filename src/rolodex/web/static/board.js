// Drag and drop on a pipeline board: dropping a card on a column submits the card's own
// "Move to stage" form with that column's stage, so both ways make the same POST.
(function () {
  "use strict";
  let dragged = null;
  document.querySelectorAll(".board-card[draggable]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.setData("text/plain", card.dataset.recordId);
      event.dataTransfer.effectAllowed = "move";
    });
    card.addEventListener("dragend", function () { dragged = null; });
  });
  document.querySelectorAll(".board-column").forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (dragged) { event.preventDefault(); column.classList.add("drop-target"); }
    });
    column.addEventListener("dragleave", function () { column.classList.remove("drop-target"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (!dragged || dragged.closest(".board-column") === column) { return; }
      const form = dragged.querySelector("form.board-move");
      form.elements.stage_id.value = column.dataset.stageId;
      document.getElementById("board-status").textContent = "Moving…";
      form.requestSubmit();
    });
  });
})();
