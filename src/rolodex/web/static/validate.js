// Inline validation of a record form: when a field changes, the form's values go to the
// server, which checks them by the rules a save applies (the same service call) and answers
// each field's messages; a field's message becomes its accessible description, as after a
// save. Only the fields changed so far, and those showing a message, are updated.
(() => {
  const form = document.querySelector("form[data-check]");
  if (!form) return;
  const touched = new Set();
  let asked = 0;

  const show = (name, messages) => {
    const input = document.getElementById(`field-${name}`);
    if (!input) return;
    const errorId = `error-${name}`;
    let message = document.getElementById(errorId);
    const described = (input.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && id !== errorId);
    if (messages && messages.length) {
      if (!message) {
        message = document.createElement("p");
        message.id = errorId;
        message.className = "field-error";
        input.closest(".field").append(message);
      }
      message.textContent = messages.join(" ");
      described.push(errorId);
      input.setAttribute("aria-invalid", "true");
    } else {
      if (message) message.remove();
      input.removeAttribute("aria-invalid");
    }
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  };

  form.addEventListener("change", async (event) => {
    const name = event.target.name || event.target.id.replace(/^field-/, "");
    if (name) touched.add(name);
    const mine = ++asked;
    const response = await fetch(form.dataset.check, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
    });
    if (mine !== asked || !response.ok) return;
    const { errors } = await response.json();
    const shown = [...form.querySelectorAll("[aria-invalid=true]")].map((input) =>
      input.id.replace(/^field-/, ""),
    );
    for (const field of new Set([...touched, ...shown])) show(field, errors[field]);
  });
})();
