/* The verifier page's camera: a certificate QR read by the shared camera reader is submitted as if pasted.
   Without a camera (or without JavaScript) the page still works by pasting the code or sending a picture. */
(function () {
  "use strict";

  var root = document.getElementById("verifier");
  if (!root || typeof window.PhongDichQrCamera !== "function") return;

  var startButton = document.getElementById("start-camera");
  var stopButton = document.getElementById("stop-camera");
  var state = document.getElementById("camera-state");
  var form = document.getElementById("verify-form");
  var payload = document.getElementById("id_payload");

  var camera = new window.PhongDichQrCamera(
    document.getElementById("camera"),
    document.getElementById("frame"),
    function (text) {
      stop();
      payload.value = text;
      var picture = document.getElementById("id_image");
      if (picture) picture.value = "";
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }
  );

  function stop() {
    camera.stop();
    startButton.hidden = false;
    stopButton.hidden = true;
  }

  startButton.addEventListener("click", function () {
    state.textContent = "";
    camera.start().then(function () {
      startButton.hidden = true;
      stopButton.hidden = false;
    }, function () {
      stop();
      state.textContent = root.dataset.msgNoCamera;
    });
  });
  stopButton.addEventListener("click", stop);
})();
