// The account's current MFA code, counted down and fetched again when it changes; the live
// code of a Secret Key being set up. Without this file the page shows the code at render time
// with a Refresh link, and the Set as MFA form has a "Show code" button.
"use strict";

function initCurrentCode(box) {
  const code = box.querySelector("code");
  const seconds = box.querySelector("[data-seconds]");
  let deadline = Date.now() + Number(box.dataset.secondsLeft) * 1000;
  let fetching = false;

  async function refresh() {
    fetching = true;
    try {
      const response = await fetch(box.dataset.codeUrl, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const result = await response.json();
      if (result.code === null) { box.hidden = true; return; }
      code.textContent = result.code;
      deadline = Date.now() + result.seconds_left * 1000;
    } catch (error) {
      deadline = Date.now() + 5000; // try again shortly
    } finally {
      fetching = false;
    }
  }

  function tick() {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    seconds.textContent = String(left);
    // A hidden tab fetches nothing: every code shown is an audit event.
    if (left === 0 && !fetching && !document.hidden) refresh();
  }
  setInterval(tick, 1000);
  document.addEventListener("visibilitychange", tick);
}

function initSecretKeyPreview(form) {
  const secret = form.querySelector("input[name=secret]");
  const image = form.querySelector("input[name=qr]");
  const output = form.querySelector(".totp-preview");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let timer = null;
  let latest = 0;
  let countdown = null;

  function show(text, code, left) {
    clearInterval(countdown);
    output.replaceChildren();
    const line = document.createElement("p");
    if (code === undefined) {
      line.className = "errors";
      line.textContent = text;
      output.append(line);
      return;
    }
    const shown = document.createElement("code");
    shown.textContent = code;
    const seconds = document.createElement("span");
    line.append("Current code: ", shown, " (", seconds, " s left). " + text);
    output.append(line);
    const deadline = Date.now() + left * 1000;
    const tick = () => {
      const remaining = Math.ceil((deadline - Date.now()) / 1000);
      if (remaining <= 0) { clearInterval(countdown); update(); return; }
      seconds.textContent = String(remaining);
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  async function update() {
    const request = ++latest;
    const hasImage = image.files.length > 0;
    if (!secret.value.trim() && !hasImage) { clearInterval(countdown); output.replaceChildren(); return; }
    const body = new FormData();
    body.append("secret", secret.value);
    if (hasImage && !secret.value.trim()) body.append("qr", image.files[0]);
    let result;
    try {
      const response = await fetch(form.dataset.totpPreviewUrl, {
        method: "POST", body, headers: { "X-CSRFToken": token }, credentials: "same-origin",
      });
      result = await response.json();
    } catch (error) {
      return;
    }
    if (request !== latest) return;
    if (result.error) { show(result.error); return; }
    const where = form.dataset.app || "the app";
    show(`Enter it in ${where} to finish its MFA set-up, then choose Save Code.`,
      result.code, result.seconds_left);
  }

  secret.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 300); });
  image.addEventListener("change", update);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-code-url]").forEach(initCurrentCode);
  document.querySelectorAll("form[data-totp-preview-url]").forEach(initSecretKeyPreview);
});
