/* What the two scanner pages (venue door, border checkpoint) share: a uuid per scan, made on the device, and
   a queue of scans kept in localStorage until the server has answered for them (so a scan made offline is
   sent later, once: the server recognises a resent uuid). */
(function () {
  "use strict";

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function load(key) {
    try {
      var items = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function store(key, items) {
    window.localStorage.setItem(key, JSON.stringify(items));
  }

  window.PhongDichScanQueue = { newUuid: newUuid, load: load, store: store };
})();
