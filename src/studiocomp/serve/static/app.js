// The upload page: drop or choose a photo, pick a background, see before/after, download.
// Plain JavaScript, no build step, nothing loaded from other sites.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { file: null, background: "", busy: false, resultUrl: null, beforeUrl: null };

function apiKey() {
  return $("apikey").value.trim();
}

function headers() {
  const key = apiKey();
  return key ? { "X-Api-Key": key } : {};
}

function say(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

// A failed answer in words for a person. A refused key says what to do about it (the server's own detail is
// for API clients: "send the server's API key in the X-Api-Key header"), and points at the key box.
async function errorText(resp) {
  let e = null;
  try {
    const body = await resp.json();
    e = body.errors && body.errors[0];
  } catch (_) { /* not JSON */ }
  const keyProblem = resp.status === 403 && e && e.code === "auth_failed";
  $("keybox").classList.toggle("error", keyProblem);
  if (keyProblem) {
    $("keybox").hidden = false;
    $("apikey").focus();
    return apiKey()
      ? "The API key was not accepted. Check it in the API key box (ask whoever runs this server for the right one)."
      : "This server needs an API key. Type it in the API key box (ask whoever runs this server for it).";
  }
  if (e) return e.title + (e.detail ? ": " + e.detail : "");
  return "HTTP " + resp.status;
}

// A before/after panel shows only an image that loaded: never a broken-image icon (a file the browser cannot
// show, a result that failed). The preview is hidden when neither panel has one.
function showPanel(img, on) {
  img.closest("figure").hidden = !on;
  $("preview").hidden = $("before").closest("figure").hidden && $("after").closest("figure").hidden;
}

function clearResult() {
  $("after").removeAttribute("src");
  showPanel($("after"), false);
  $("download").hidden = true;
}

function selectBackground(button) {
  for (const b of document.querySelectorAll(".bg")) {
    b.classList.toggle("selected", b === button);
    b.setAttribute("aria-checked", b === button ? "true" : "false");
  }
  state.background = button.dataset.name;
  if (state.file) run();
}

function addBackground(item) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "bg";
  b.dataset.name = item.name;
  b.setAttribute("role", "radio");
  b.setAttribute("aria-checked", "false");
  b.title = item.kind === "prepared" ? item.name + " (prepared background)" : item.name;
  const img = document.createElement("img");
  img.alt = "";
  img.loading = "lazy";
  img.src = item.thumbnail;
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = item.name;
  b.append(img, label);
  b.addEventListener("click", () => selectBackground(b));
  $("backgrounds").append(b);
}

async function loadBackgrounds() {
  const resp = await fetch("/v1/backgrounds", { headers: headers() });
  if (!resp.ok) {
    const text = await errorText(resp);
    say(resp.status === 403 ? text : "The backgrounds could not be loaded: " + text, true);
    return false;
  }
  $("keybox").classList.remove("error");
  const body = await resp.json();
  for (const old of document.querySelectorAll(".bg[data-name]:not([data-name=''])")) old.remove();
  for (const item of body.backgrounds) addBackground(item);
  return true;
}

// A new key: the error the old one caused is stale. Reload the backgrounds with it and, when a photo is
// already chosen, send it again (the person should not have to choose it a second time).
async function keyChanged() {
  localStorage.setItem("studiocomp-api-key", apiKey());
  say("");
  if (await loadBackgrounds() && state.file) run();
}

async function init() {
  const resp = await fetch("/healthz");
  if (resp.ok) {
    const h = await resp.json();
    $("limits").textContent = "JPEG, PNG, TIFF, WebP or BMP, up to " + Math.round(h.limits.max_upload_bytes / 1048576) +
      " MB and " + Math.round(h.limits.max_pixels / 1e6) + " megapixels.";
    if (h.api_key_required) {
      $("keybox").hidden = false;
      $("apikey").value = localStorage.getItem("studiocomp-api-key") || "";
      $("apikey").addEventListener("change", keyChanged);
      // the key box sits in a form (a password field outside one is a browser warning): Enter commits it, never reloads the page
      $("keyform").addEventListener("submit", (e) => { e.preventDefault(); $("apikey").blur(); });
    }
  }
  await loadBackgrounds();
}

function take(file) {
  if (!file) return;
  state.file = file;
  if (state.beforeUrl) URL.revokeObjectURL(state.beforeUrl);
  state.beforeUrl = URL.createObjectURL(file);
  showPanel($("before"), false);  // until it loads (a file the browser cannot show stays hidden)
  clearResult();
  $("before").src = state.beforeUrl;
  run();
}

// The doubts behind X-Uncertain, in words: each uncertain warning's own message (they are not all about edges).
function doubts(h) {
  try {
    const list = JSON.parse(h.get("X-Warning-Messages") || "[]").filter((w) => w.uncertain);
    if (list.length) return list.map((w) => w.message).join("; ");
  } catch (_) { /* an older server: codes only */ }
  return h.get("X-Warnings") || "the server gave no reason";
}

async function run() {
  if (state.busy) { state.again = true; return; }
  state.busy = true;
  $("download").hidden = true;
  const composite = state.background !== "";
  say(composite ? "Compositing on " + state.background + "…" : "Cutting out…");
  const form = new FormData();
  form.append("image", state.file, state.file.name || "photo");
  if (composite) { form.append("background", state.background); form.append("format", "jpg"); }
  const started = performance.now();
  try {
    const resp = await fetch(composite ? "/v1/composite" : "/v1/cutout", { method: "POST", body: form, headers: headers() });
    if (!resp.ok) { clearResult(); say(await errorText(resp), true); return; }
    const blob = await resp.blob();
    if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
    state.resultUrl = URL.createObjectURL(blob);
    $("after").src = state.resultUrl;
    const stem = (state.file.name || "photo").replace(/\.[^.]*$/, "");
    const link = $("download");
    link.href = state.resultUrl;
    link.download = composite ? stem + "-" + state.background + ".jpg" : stem + "-cutout.png";
    link.hidden = false;
    const doubt = resp.headers.get("X-Uncertain") === "true" ? " — please check the result: " + doubts(resp.headers) : "";
    say("Done in " + ((performance.now() - started) / 1000).toFixed(1) + " s, " + resp.headers.get("X-Width") + "×" + resp.headers.get("X-Height") + doubt);
  } catch (err) {
    clearResult();
    say("The server could not be reached: " + err, true);
  } finally {
    state.busy = false;
    if (state.again) { state.again = false; run(); }
  }
}

for (const id of ["before", "after"]) {
  $(id).addEventListener("load", () => showPanel($(id), true));
  $(id).addEventListener("error", () => showPanel($(id), false));
}

const drop = $("drop");
for (const type of ["dragenter", "dragover"]) {
  drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
}
for (const type of ["dragleave", "drop"]) {
  drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.remove("over"); });
}
drop.addEventListener("drop", (e) => take(e.dataTransfer.files[0]));
$("file").addEventListener("change", (e) => {
  take(e.target.files[0]);
  e.target.value = "";  // so that choosing the same photo again (after a failure) is a change, and is sent again
});
document.querySelector(".bg[data-name='']").addEventListener("click", (e) => selectBackground(e.currentTarget));
init();
