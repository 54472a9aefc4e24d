/* The door scanner: reads personal QR codes with the camera (jsQR) or takes a typed citizen ID, keeps
   every scan in a local queue (localStorage) with its own uuid and time, and sends the queue to the
   batch API. A scan leaves the queue only when the server has answered for it, so nothing is lost
   while the network is down; a resent scan is recognised by its uuid and recorded once. */
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) return;

  var QUEUE_KEY = "phongdich.scanner.queue";
  var VENUE_KEY = "phongdich.scanner.venue";
  var REPEAT_MS = 8000; // the same code seen again within this time is the same scan
  var MAX_DELAY_MS = 60000;

  var msg = root.dataset;
  var venueSelect = document.getElementById("venue");
  var todayLink = document.getElementById("today-link");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var startButton = document.getElementById("start-camera");
  var stopButton = document.getElementById("stop-camera");
  var typedForm = document.getElementById("typed");
  var typedInput = document.getElementById("citizen-id");
  var results = document.getElementById("results");
  var queueState = document.getElementById("queue-state");

  var lastCode = "";
  var lastCodeAt = 0;
  var sending = false;
  var retryDelay = 0;
  var retryTimer = null;

  // --- Identifiers and the queue ---------------------------------------------------------------

  var newUuid = window.PhongDichScanQueue.newUuid;

  function loadQueue() {
    return window.PhongDichScanQueue.load(QUEUE_KEY);
  }

  function saveQueue(items) {
    window.PhongDichScanQueue.store(QUEUE_KEY, items);
    showQueueState(items.length);
  }

  function showQueueState(count) {
    queueState.textContent = count ? count + " " + queueState.dataset.waiting : queueState.dataset.allSent;
    queueState.classList.toggle("waiting", count > 0);
  }

  // --- Results on the screen --------------------------------------------------------------------

  function describe(item) {
    var time = new Date(item.checked_in_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    var what = item.citizen_id ? msg.msgId + " …" + item.citizen_id.slice(-4) : msg.msgQr;
    return time + " · " + what;
  }

  function showResult(item, kind, text) {
    var row = document.getElementById("scan-" + item.uuid);
    if (!row) {
      row = document.createElement("li");
      row.id = "scan-" + item.uuid;
      results.insertBefore(row, results.firstChild);
      while (results.children.length > 30) results.removeChild(results.lastChild);
    }
    row.className = kind;
    row.dataset.status = kind;
    row.textContent = describe(item) + " — " + text;
  }

  function enqueue(fields) {
    var venue = venueSelect.value;
    if (!venue) {
      window.alert(msg.msgNovenue);
      return;
    }
    var item = { uuid: newUuid(), venue: venue, checked_in_at: new Date().toISOString() };
    Object.keys(fields).forEach(function (key) { item[key] = fields[key]; });
    var items = loadQueue();
    items.push(item);
    saveQueue(items);
    showResult(item, "queued", msg.msgQueued);
    retryDelay = 0;
    send();
  }

  // --- Sending ----------------------------------------------------------------------------------

  function scheduleRetry() {
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, MAX_DELAY_MS);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(send, retryDelay);
  }

  function fatesOf(body) {
    return body && Array.isArray(body.items) ? body.items : null;
  }

  function errorText(fate) {
    var errors = fate.errors || [];
    return errors.map(function (e) { return e.message; }).join(" ");
  }

  function settle(batch, fates) {
    var answered = {};
    fates.forEach(function (fate) {
      var item = fate.uuid ? batch.filter(function (b) { return b.uuid === fate.uuid; })[0] : batch[fate.index];
      if (!item) return;
      answered[item.uuid] = true;
      var ok = fate.status === "created" || fate.status === "duplicate";
      var text = ok ? msg.msgOk + (fate.warning ? " (" + fate.warning + ")" : "") : msg.msgFail + ": " + errorText(fate);
      showResult(item, ok ? "ok" : "fail", text);
    });
    // Only the scans the server answered for leave the queue (scans added meanwhile stay).
    saveQueue(loadQueue().filter(function (item) { return !answered[item.uuid]; }));
  }

  function send() {
    var batch = loadQueue();
    if (sending || !batch.length) return;
    sending = true;
    fetch(root.dataset.batchUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ items: batch })
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        var fates = fatesOf(body);
        if (response.ok && fates) {
          retryDelay = 0;
          settle(batch, fates);
          return;
        }
        if (response.status === 401 || response.status === 403) {
          scheduleRetry(); // nothing is dropped; the officer signs in again
          queueState.textContent = msg.msgSignin;
          return;
        }
        scheduleRetry();
      });
    }, function () {
      queueState.textContent = loadQueue().length + " " + queueState.dataset.waiting + " — " + msg.msgOffline;
      scheduleRetry();
    }).then(function () {
      sending = false;
      if (retryDelay === 0 && loadQueue().length) send();
    });
  }

  // --- The camera ---------------------------------------------------------------------------------

  var camera = new window.PhongDichQrCamera(video, canvas, function (text) {
    var now = Date.now();
    if (text !== lastCode || now - lastCodeAt > REPEAT_MS) {
      lastCode = text;
      lastCodeAt = now;
      enqueue({ personal_qr: text, method: "personal_qr" });
    }
  });

  function startCamera() {
    if (!venueSelect.value) {
      window.alert(msg.msgNovenue);
      return;
    }
    camera.start().then(function () {
      startButton.hidden = true;
      stopButton.hidden = false;
    }, function () {
      camera.stop();
      window.alert(msg.msgCamera);
    });
  }

  function stopCamera() {
    camera.stop();
    startButton.hidden = false;
    stopButton.hidden = true;
  }

  // --- Wiring -------------------------------------------------------------------------------------

  function venueChosen() {
    var option = venueSelect.options[venueSelect.selectedIndex];
    if (option && option.value) window.localStorage.setItem(VENUE_KEY, option.value);
    todayLink.href = option && option.dataset.today ? option.dataset.today : "";
    todayLink.hidden = !todayLink.getAttribute("href");
  }

  var remembered = window.localStorage.getItem(VENUE_KEY);
  if (remembered && venueSelect.querySelector('option[value="' + remembered.replace(/[^A-Za-z0-9]/g, "") + '"]')) {
    venueSelect.value = remembered;
  }
  venueChosen();
  venueSelect.addEventListener("change", venueChosen);
  startButton.addEventListener("click", startCamera);
  stopButton.addEventListener("click", stopCamera);
  typedForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = typedInput.value.replace(/\s+/g, "");
    if (!value) return;
    enqueue({ citizen_id: value, method: "typed_id" });
    typedInput.value = "";
    typedInput.focus();
  });
  window.addEventListener("online", function () { retryDelay = 0; send(); });
  loadQueue().forEach(function (item) { showResult(item, "queued", msg.msgQueued); });
  showQueueState(loadQueue().length);
  send();
})();
