// The admin's annotate page: turn a text selection into the paragraph anchor, start, end and exact
// quote the server expects, and link highlighted passages to their notes.
//
// Offsets are Unicode code points of the paragraph's stored text (what Python's str indexes), not the
// UTF-16 units JavaScript strings use, so characters beyond the Basic Multilingual Plane count once.
// They are measured on the paragraph element's text content: the <mark> elements that split the text
// add no characters of their own.
(function () {
  "use strict";

  const textRoot = document.getElementById("annotate-text");
  const form = document.getElementById("annotate-form");
  const hint = document.getElementById("annotate-hint");
  if (!textRoot) {
    return;
  }

  function codePointLength(text) {
    let count = 0;
    for (const _ of text) {
      count += 1;
    }
    return count;
  }

  function paragraphOf(node) {
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const paragraph = element ? element.closest("p[data-anchor]") : null;
    return paragraph && textRoot.contains(paragraph) ? paragraph : null;
  }

  // Return {anchor, start, end, exact}, {error}, or null when nothing is selected in the text.
  function selectedSpan() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    const range = selection.getRangeAt(0).cloneRange();
    const paragraph = paragraphOf(range.startContainer);
    if (!paragraph) {
      return textRoot.contains(range.commonAncestorContainer) || paragraphOf(range.endContainer)
        ? { error: "Select text inside one paragraph." }
        : null;
    }
    if (!paragraph.contains(range.endContainer)) {
      // A triple click selects up to the start of the next block: keep it if nothing else is taken.
      const overflow = document.createRange();
      overflow.setStart(paragraph, paragraph.childNodes.length);
      overflow.setEnd(range.endContainer, range.endOffset);
      if (overflow.toString().trim() !== "") {
        return { error: "Select text inside one paragraph." };
      }
      range.setEnd(paragraph, paragraph.childNodes.length);
    }
    const before = document.createRange();
    before.selectNodeContents(paragraph);
    before.setEnd(range.startContainer, range.startOffset);
    const exact = range.toString();
    if (exact === "") {
      return null;
    }
    const start = codePointLength(before.toString());
    const end = start + codePointLength(exact);
    const stored = Array.from(paragraph.textContent).slice(start, end).join("");
    if (stored !== exact) {
      return { error: "The selection could not be measured; select the text again." };
    }
    return { anchor: paragraph.dataset.anchor, start: start, end: end, exact: exact };
  }

  function say(message) {
    if (hint) {
      hint.textContent = message;
    }
  }

  function offerForm() {
    if (!form) {
      return;
    }
    const span = selectedSpan();
    if (span === null) {
      return;
    }
    if (span.error) {
      say(span.error);
      return;
    }
    form.elements.paragraph.value = span.anchor;
    form.elements.start.value = String(span.start);
    form.elements.end.value = String(span.end);
    form.elements.exact.value = span.exact;
    document.getElementById("annotate-where").textContent = span.anchor;
    document.getElementById("annotate-quote-text").textContent = span.exact;
    const errors = document.getElementById("annotate-errors");
    if (errors) {
      errors.remove();
    }
    form.hidden = false;
    say("Selected " + (span.end - span.start) + " characters in " + span.anchor + ": write the note and save.");
  }

  textRoot.addEventListener("mouseup", offerForm);
  // On a touch screen the selection is adjusted with the browser's handles, which send no mouseup.
  let settle = null;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(settle);
    settle = window.setTimeout(offerForm, 400);
  });
  textRoot.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") {
      offerForm();
    }
  });

  const cancel = document.getElementById("annotate-cancel");
  if (cancel && form) {
    cancel.addEventListener("click", function () {
      form.hidden = true;
      form.reset();
      window.getSelection().removeAllRanges();
      say("");
    });
  }

  // Clicking a highlighted passage points at its notes in the list beside the text.
  function setTargets(ids, on) {
    for (const id of ids) {
      const item = document.getElementById("annotation-" + id);
      if (item) {
        item.classList.toggle("is-target", on);
      }
      for (const mark of textRoot.querySelectorAll("mark[data-annotations]")) {
        if (mark.dataset.annotations.split(" ").includes(id)) {
          mark.classList.toggle("is-target", on);
        }
      }
    }
  }

  let targeted = [];
  textRoot.addEventListener("click", function (event) {
    const mark = event.target.closest("mark[data-annotations]");
    const selection = window.getSelection();
    if (!mark || (selection && !selection.isCollapsed)) {
      return;
    }
    setTargets(targeted, false);
    targeted = mark.dataset.annotations.split(" ");
    setTargets(targeted, true);
    const first = document.getElementById("annotation-" + targeted[0]);
    if (first) {
      first.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });

  for (const item of document.querySelectorAll(".annotation-item[data-annotation]")) {
    const ids = [item.dataset.annotation];
    item.addEventListener("mouseenter", function () {
      setTargets(ids, true);
    });
    item.addEventListener("mouseleave", function () {
      setTargets(ids, false);
    });
  }
})();
