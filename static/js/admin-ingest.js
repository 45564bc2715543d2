// The ingest pages: drop files on the batch upload, see what was chosen, and tick or untick every file of
// a batch preview at once. Wired here because the CSP refuses inline scripts; the server checks every
// limit again, so this only spares the editor a round trip.
"use strict";

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function listChosenFiles(zone, input) {
  const list = zone.querySelector(".ingest-drop-list");
  const maxFiles = Number(zone.dataset.maxFiles);
  const maxBytes = Number(zone.dataset.maxBytes);
  list.replaceChildren();
  const files = Array.from(input.files);
  if (files.length > maxFiles) {
    const item = document.createElement("li");
    item.className = "is-over";
    item.textContent = `${files.length} files chosen; a batch takes at most ${maxFiles}.`;
    list.append(item);
  }
  for (const file of files) {
    const item = document.createElement("li");
    const over = file.size > maxBytes;
    item.className = over ? "is-over" : "";
    item.textContent = `${file.name} (${formatBytes(file.size)})${over ? ": over the limit, it will be refused" : ""}`;
    list.append(item);
  }
}

function wireDropZone(zone) {
  const input = zone.querySelector("input[type=file]");
  if (!input) return;
  zone.querySelector(".ingest-drop-hint").hidden = false;
  input.addEventListener("change", () => listChosenFiles(zone, input));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("is-dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("is-dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("is-dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      listChosenFiles(zone, input);
    }
  });
}

function wireBatchConfirm(form) {
  const boxes = Array.from(form.querySelectorAll("input[type=checkbox][name=file]"));
  const submit = form.querySelector("input[type=submit]");
  if (!boxes.length || !submit) return;
  const label = submit.value;
  const update = () => {
    const ticked = boxes.filter((box) => box.checked).length;
    submit.value = `${label} (${ticked} of ${boxes.length})`;
  };
  const tools = document.createElement("p");
  tools.className = "ingest-batch-tools";
  for (const [text, checked] of [["Tick all", true], ["Untick all", false]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = text;
    button.addEventListener("click", () => {
      for (const box of boxes) box.checked = checked;
      update();
    });
    tools.append(button, " ");
  }
  form.prepend(tools);
  for (const box of boxes) box.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const zone of document.querySelectorAll(".ingest-drop")) wireDropZone(zone);
  for (const form of document.querySelectorAll(".ingest-batch-confirm")) wireBatchConfirm(form);
});
