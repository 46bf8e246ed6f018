// The search box of the top bar: suggestions as one types (a combobox with a listbox of
// records grouped by type); Up and Down choose, Enter opens, Escape closes. Without this
// script the box is a plain form that opens the results page.
(() => {
  const input = document.getElementById("global-search");
  const list = document.getElementById("global-search-list");
  if (!input || !list) return;
  let options = [];
  let active = -1;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const choose = (index) => {
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    else input.removeAttribute("aria-activedescendant");
  };
  const show = (groups) => {
    list.replaceChildren();
    options = [];
    groups.forEach((group, g) => {
      const box = document.createElement("li");
      box.setAttribute("role", "group");
      box.setAttribute("aria-labelledby", `global-search-group-${g}`);
      const heading = document.createElement("span");
      heading.id = `global-search-group-${g}`;
      heading.className = "group-label";
      heading.textContent = group.label;
      const items = document.createElement("ul");
      items.setAttribute("role", "presentation");
      for (const item of group.items) {
        const option = document.createElement("li");
        option.id = `global-search-option-${options.length}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = item.url;
        option.textContent = item.name;
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          window.location.assign(item.url);
        });
        items.append(option);
        options.push(option);
      }
      box.append(heading, items);
      list.append(box);
    });
    if (!options.length) {
      const none = document.createElement("li");
      none.setAttribute("role", "presentation");
      none.textContent = "No record has that name, e-mail, phone or tag.";
      list.append(none);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    choose(-1);
  };
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) return close();
    timer = setTimeout(async () => {
      const mine = ++asked;
      const answer = await fetch(`/search.json?q=${encodeURIComponent(text)}`);
      if (mine === asked && answer.ok) show((await answer.json()).groups);
    }, 200);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden || !options.length) return;
      event.preventDefault();
      const down = event.key === "ArrowDown";
      const from = active < 0 ? (down ? -1 : options.length) : active;
      choose((from + (down ? 1 : -1) + options.length) % options.length);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      window.location.assign(options[active].dataset.url);
    }
  });
  input.addEventListener("blur", close);
})();
