// A list page's choice of records: "choose all on this page" and the count of those chosen.
(() => {
  const form = document.getElementById("bulk-form");
  const all = document.getElementById("select-all");
  const count = document.getElementById("bulk-count");
  if (!form || !all || !count) return;
  const boxes = () => Array.from(form.querySelectorAll('input[name="id"]'));
  const update = () => {
    const ticked = boxes().filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
    count.textContent = ticked ? `${ticked} chosen.` : "Tick records to tag, delete or export them.";
  };
  all.hidden = false;
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
    update();
  });
  form.addEventListener("change", (event) => {
    if (event.target !== all) update();
  });
  update();
})();
