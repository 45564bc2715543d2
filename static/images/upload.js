// The batch upload page: drop files on the zone (or choose them) and see which will be sent. With
// several files, each is sent in a request of its own, one after the other, so that no request has to
// make the renditions of a whole batch; the list shows each file's progress, and the library's list
// then shows what became of every file. Without JavaScript the form sends them all at once.
(function () {
  "use strict";

  function setUp(form) {
    var zone = form.querySelector("[data-drop-zone]");
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-drop-list]");
    var submit = form.querySelector("[type=submit]");
    if (!zone || !input || !list) return;
    var items = [];

    function show() {
      list.textContent = "";
      items = [];
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        var state = document.createElement("span");
        state.className = "image-drop-state";
        item.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " kB) ";
        item.appendChild(state);
        list.appendChild(item);
        items.push(state);
      });
    }

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("is-dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      var files = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (file) { files.items.add(file); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) { files.items.add(file); });
      input.files = files.files;
      show();
    });
    input.addEventListener("change", show);

    function sendOne(file) {
      var body = new FormData(form);
      body.delete(input.name);
      body.append(input.name, file);
      // A saved file answers with a redirect to the library, which there is no need to load here.
      return fetch(form.action || window.location.href, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        redirect: "manual",
      }).then(function (response) {
        return response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400);
      });
    }

    form.addEventListener("submit", function (event) {
      var files = Array.prototype.slice.call(input.files);
      if (files.length < 2 || !window.fetch || !window.FormData) return;
      event.preventDefault();
      if (items.length !== files.length) show();
      submit.disabled = true;
      var sent = Promise.resolve();
      files.forEach(function (file, index) {
        sent = sent.then(function () {
          items[index].textContent = "sending…";
          return sendOne(file).then(
            function (done) { items[index].textContent = done ? "sent" : "not sent"; },
            function () { items[index].textContent = "not sent: the connection failed"; }
          );
        });
      });
      sent.then(function () {
        window.location.assign(form.dataset.doneUrl);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-image-upload]").forEach(setUp);
  });
})();
