// Roster console: copy buttons and confirmations. Everything works without
// it except copying with one click; forms confirm only when it runs.
"use strict";

function copyText(el, button) {
  const text = el.textContent.trim();
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    button.classList.add("copied");
    setTimeout(() => { button.textContent = label; button.classList.remove("copied"); }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => selectText(el));
    return;
  }
  // Plain http on another host: select the text, so that Ctrl+C copies it.
  selectText(el);
  try { if (document.execCommand("copy")) done(); } catch (e) { /* selected is enough */ }
}

function selectText(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const el = document.getElementById(button.dataset.copy);
  if (el) copyText(el, button);
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// On a phone, tables stack (roster.css): each cell is labelled with its
// column's name, copied here from the header once the page is read.
function labelCells() {
  for (const table of document.querySelectorAll("main table")) {
    const heads = Array.from(table.querySelectorAll("thead th"), th => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.children).forEach((cell, i) => {
        if (cell.tagName === "TD" && heads[i] && !cell.dataset.label) cell.dataset.label = heads[i];
      });
    }
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", labelCells); else labelCells();
