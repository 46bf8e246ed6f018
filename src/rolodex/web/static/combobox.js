// Comboboxes: a text box with a list of suggestions fetched as one types (Up and Down choose,
// Enter takes the chosen one, Escape closes). The top bar's search box opens the record taken;
// a form's picker shows the record's name and puts its ID in the field the form sends. Without
// this script the search box is a plain form that opens the results page, and a picker a plain
// ID field.
(() => {
  // `input` (role=combobox) and `list` (role=listbox); `suggest(text)` answers groups of items,
  // [{label, items: [{name, ...}]}] (a group without a label is shown without a heading);
  // `take(item)` is what choosing an item does.
  const combobox = (input, list, suggest, take, none) => {
    let options = [];
    let items = [];
    let active = -1;
    let asked = 0;
    let timer;
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
    const pick = (index) => {
      close();
      take(items[index]);
    };
    const option = (item) => {
      const element = document.createElement("li");
      const index = options.length;
      element.id = `${list.id}-option-${index}`;
      element.setAttribute("role", "option");
      element.setAttribute("aria-selected", "false");
      element.textContent = item.name;
      element.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(index);
      });
      options.push(element);
      items.push(item);
      return element;
    };
    const show = (groups) => {
      list.replaceChildren();
      options = [];
      items = [];
      groups.forEach((group, g) => {
        if (!group.label) {
          for (const item of group.items) list.append(option(item));
          return;
        }
        const box = document.createElement("li");
        box.setAttribute("role", "group");
        box.setAttribute("aria-labelledby", `${list.id}-group-${g}`);
        const heading = document.createElement("span");
        heading.id = `${list.id}-group-${g}`;
        heading.className = "group-label";
        heading.textContent = group.label;
        const inner = document.createElement("ul");
        inner.setAttribute("role", "presentation");
        for (const item of group.items) inner.append(option(item));
        box.append(heading, inner);
        list.append(box);
      });
      if (!options.length) {
        const empty = document.createElement("li");
        empty.setAttribute("role", "presentation");
        empty.textContent = none;
        list.append(empty);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      choose(-1);
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const text = input.value.trim();
      if (!text) return close();
      timer = setTimeout(async () => {
        const mine = ++asked;
        const groups = await suggest(text);
        // Not once the box is left: its list would stay open.
        if (mine === asked && groups && document.activeElement === input) show(groups);
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
        pick(active);
      }
    });
    input.addEventListener("blur", close);
  };

  const answer = async (url) => {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    return response.ok ? response.json() : null;
  };

  const search = document.getElementById("global-search");
  const searchList = document.getElementById("global-search-list");
  if (search && searchList) {
    combobox(
      search,
      searchList,
      async (text) => (await answer(`/search.json?q=${encodeURIComponent(text)}`))?.groups,
      (item) => window.location.assign(item.url),
      "No record has that name, e-mail, phone or tag.",
    );
  }

  // A picker: the field the form sends (its ID) becomes hidden, and a combobox takes its place
  // (and its id, so that its label, hint and error message describe the combobox).
  for (const field of document.querySelectorAll("input[data-picker], input[data-picker-from]")) {
    const box = document.createElement("input");
    const list = document.createElement("ul");
    box.type = "text";
    box.id = field.id;
    box.value = field.dataset.name || field.value;
    box.autocomplete = "off";
    box.required = field.required;
    for (const name of ["aria-describedby", "aria-invalid"]) {
      if (field.hasAttribute(name)) box.setAttribute(name, field.getAttribute(name));
    }
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    field.id = `${box.id}-value`;
    field.type = "hidden";
    field.required = false;
    list.id = `${box.id}-list`;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Matching records");
    list.hidden = true;
    box.setAttribute("aria-controls", list.id);
    const wrap = document.createElement("div");
    wrap.className = "picker";
    field.after(wrap);
    wrap.append(field, box, list);
    const chooser = field.dataset.pickerFrom && document.getElementById(field.dataset.pickerFrom);
    const target = () => (chooser ? chooser.value : field.dataset.picker);
    // Until a record is chosen, what is typed is sent (an ID, or text the server refuses).
    box.addEventListener("input", () => {
      field.value = box.value.trim();
    });
    if (chooser) {
      chooser.addEventListener("change", () => {
        field.value = "";
        box.value = "";
      });
    }
    combobox(
      box,
      list,
      async (text) => {
        const url = `/pick/${encodeURIComponent(target())}?q=${encodeURIComponent(text)}`;
        const found = await answer(url);
        return found && [{ label: "", items: found.items }];
      },
      (item) => {
        field.value = String(item.id);
        box.value = item.name;
        field.dispatchEvent(new Event("change", { bubbles: true }));
      },
      "No record has a name that starts so.",
    );
  }
})();
