// The export page's "Select all" toggle, wired here because the CSP refuses inline event handlers.
// onSelectToggleChange comes with django-import-export's export_selectable_fields.js.
document.addEventListener("DOMContentLoaded", () => {
  for (const toggle of document.querySelectorAll(".select-toggle")) {
    toggle.addEventListener("change", onSelectToggleChange);
  }
});
