// Progressive enhancement only: every flow works as plain links and forms without this file.
"use strict";

function initTabs(tablist) {
  const tabs = Array.from(tablist.querySelectorAll('[role="tab"]'));
  function select(tab, focus) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    history.replaceState(null, "", tab.getAttribute("href"));
  }
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", (event) => { event.preventDefault(); select(tab, false); });
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) { event.preventDefault(); select(tabs[(index + step + tabs.length) % tabs.length], true); }
      if (event.key === "Home") { event.preventDefault(); select(tabs[0], true); }
      if (event.key === "End") { event.preventDefault(); select(tabs[tabs.length - 1], true); }
    });
  });
}

function initDialog(dialog) {
  if (dialog.hasAttribute("data-modal")) {
    // Opened by the server (after an error, or to show codes): make it modal.
    dialog.removeAttribute("open");
    dialog.showModal();
  }
  for (const button of dialog.querySelectorAll("[data-closes]")) {
    button.addEventListener("click", (event) => { event.preventDefault(); dialog.close(); });
  }
  dialog.addEventListener("close", () => {
    const target = dialog.getAttribute("data-close-to");
    // Leave the page that carries the codes, so they are not left in the DOM or history.
    if (target) window.location.replace(target);
  });
}

function initOpeners() {
  for (const opener of document.querySelectorAll("[data-opens]")) {
    const dialog = document.getElementById(opener.getAttribute("data-opens"));
    if (!dialog || typeof dialog.showModal !== "function") continue;
    opener.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
      const field = dialog.querySelector("textarea, input:not([type=hidden])");
      if (field) field.focus();
    });
  }
}

function initPreview(form) {
  const textarea = form.querySelector("textarea");
  const found = form.querySelector(".found");
  const list = form.querySelector(".preview");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let timer = null;
  let latest = 0;
  async function update() {
    const request = ++latest;
    if (!textarea.value.trim()) { found.textContent = ""; list.hidden = true; return; }
    const body = new FormData();
    body.append("codes", textarea.value);
    let result;
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST", body, headers: { "X-CSRFToken": token }, credentials: "same-origin",
      });
      if (!response.ok) return;
      result = await response.json();
    } catch (error) {
      return;
    }
    if (request !== latest) return;
    list.replaceChildren();
    if (result.error) {
      found.textContent = result.error;
      list.hidden = true;
      return;
    }
    const noun = result.count === 1 ? "code" : "codes";
    found.textContent = `Found ${result.count} ${noun}.` + (result.warnings.length ? " " + result.warnings.join(" ") : "");
    for (const code of result.codes) {
      const item = document.createElement("li");
      item.textContent = code;
      list.append(item);
    }
    list.hidden = result.codes.length === 0;
  }
  textarea.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 200); });
  if (textarea.value) update();
}

function initCopy(button) {
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
    } catch (error) {
      // No clipboard access (an insecure origin, say): select the text for a manual copy.
      window.getSelection().selectAllChildren(source);
      button.textContent = "Press Ctrl+C";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy]").forEach(initCopy);
  document.querySelectorAll('[role="tablist"]').forEach(initTabs);
  document.querySelectorAll("dialog").forEach(initDialog);
  initOpeners();
  document.querySelectorAll("form[data-preview-url]").forEach(initPreview);
});
