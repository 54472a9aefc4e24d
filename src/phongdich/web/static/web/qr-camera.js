/* The phone's back camera as a QR reader (jsQR on video frames), shared by the door scanner and the
   certificate verifier. new PhongDichQrCamera(video, canvas, onCode) → start() (a Promise, rejected when
   no camera can be used), stop(). onCode(text) is called for every frame in which a code is read;
   callers decide what a repeat means. */
(function () {
  "use strict";

  var FRAME_GAP_MS = 150; // a few reads a second: enough for a person holding a code, light on a cheap phone

  function PhongDichQrCamera(video, canvas, onCode) {
    this.video = video;
    this.canvas = canvas;
    this.onCode = onCode;
    this.stream = null;
  }

  PhongDichQrCamera.prototype.start = function () {
    var self = this;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") {
      return Promise.reject(new Error("no camera"));
    }
    return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        self.stream = stream;
        self.video.srcObject = stream;
        self.video.hidden = false;
        return self.video.play();
      })
      .then(function () { self.readFrame(); });
  };

  PhongDichQrCamera.prototype.stop = function () {
    if (this.stream) this.stream.getTracks().forEach(function (track) { track.stop(); });
    this.stream = null;
    this.video.hidden = true;
  };

  PhongDichQrCamera.prototype.readFrame = function () {
    var self = this;
    if (!self.stream) return;
    var video = self.video;
    if (video.readyState >= 2 && video.videoWidth) {
      self.canvas.width = video.videoWidth;
      self.canvas.height = video.videoHeight;
      var context = self.canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, self.canvas.width, self.canvas.height);
      var image = context.getImageData(0, 0, self.canvas.width, self.canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) self.onCode(code.data);
    }
    window.setTimeout(function () { window.requestAnimationFrame(function () { self.readFrame(); }); }, FRAME_GAP_MS);
  };

  window.PhongDichQrCamera = PhongDichQrCamera;
})();
