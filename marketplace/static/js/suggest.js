/* Search-box suggestions: a progressive enhancement of the header search form.
   Without this file the form still submits to the search page; with it, completions from
   /api/v1/suggest appear as the shopper types (an ARIA 1.2 combobox with a listbox). */
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !window.fetch || !window.URL) { return; }
  var form = input.form;
  var endpoint = form.getAttribute("data-suggest-url");
  if (!endpoint) { return; }
  var kinds = { category: form.getAttribute("data-label-category") || "",
                stall: form.getAttribute("data-label-stall") || "",
                product: "" };
  var list = document.createElement("ul");
  list.id = "q-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.getAttribute("data-label-list") || "");
  list.hidden = true;
  form.appendChild(list);
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var items = [];
  var active = -1;
  var timer = null;
  var pending = null;

  function close() {
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    if (active >= 0 && items[active]) { items[active].node.setAttribute("aria-selected", "false"); }
    active = index;
    if (active >= 0 && items[active]) {
      items[active].node.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].node.id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function go(item) {
    // Stay on this origin whatever address the API reports.
    var target = new URL(item.url, window.location.href);
    window.location.assign(target.pathname + target.search);
  }

  function show(suggestions) {
    close();
    suggestions.forEach(function (item, index) {
      var node = document.createElement("li");
      node.id = "q-suggestion-" + index;
      node.setAttribute("role", "option");
      node.setAttribute("aria-selected", "false");
      node.textContent = item.label;
      if (kinds[item.kind]) {
        var kind = document.createElement("span");
        kind.className = "suggestion-kind";
        kind.textContent = " · " + kinds[item.kind];
        node.appendChild(kind);
      }
      node.addEventListener("mousedown", function (event) {
        event.preventDefault();  // keep focus in the box until we navigate
        go(item);
      });
      list.appendChild(node);
      items.push({ node: node, item: item });
    });
    if (items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    var count = form.getAttribute("data-label-count") || "{n}";
    status.textContent = items.length ? count.replace("{n}", String(items.length)) : "";
  }

  function fetchSuggestions() {
    var text = input.value.trim();
    if (text.length < 2) { close(); return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(endpoint + "?q=" + encodeURIComponent(text), {
      signal: pending.signal, headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] };
    }).then(function (data) {
      if (input.value.trim() === text) { show(data.suggestions || []); }
    }).catch(function () { /* offline or aborted: the form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0 && items[active]) {
      event.preventDefault();
      go(items[active].item);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { window.setTimeout(close, 150); });
}());
