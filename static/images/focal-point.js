// An image's change form: a click on the picture sets its focal point (the hidden focal_x and focal_y
// fields, each 0 to 1 from the left and the top) and moves the marker there.
(function () {
  "use strict";

  function setUp(picker) {
    var image = picker.querySelector("img");
    var marker = picker.querySelector(".focal-point-marker");
    var inputX = document.getElementById(picker.dataset.focalX);
    var inputY = document.getElementById(picker.dataset.focalY);
    var value = picker.parentNode.querySelector(".focal-point-value");
    if (!image || !marker || !inputX || !inputY) return;

    function place(x, y) {
      marker.style.left = (x * 100) + "%";
      marker.style.top = (y * 100) + "%";
      marker.classList.add("is-placed");
      if (value) {
        value.textContent = "Now at " + Math.round(x * 100) + " % across, " + Math.round(y * 100) + " % down.";
      }
    }

    function clamp(number) {
      return Math.min(1, Math.max(0, number));
    }

    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      var x = clamp((event.clientX - box.left) / box.width);
      var y = clamp((event.clientY - box.top) / box.height);
      inputX.value = x.toFixed(4);
      inputY.value = y.toFixed(4);
      place(x, y);
    });
    picker.classList.add("is-ready");
    place(clamp(parseFloat(inputX.value) || 0.5), clamp(parseFloat(inputY.value) || 0.5));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".focal-point").forEach(setUp);
  });
})();
