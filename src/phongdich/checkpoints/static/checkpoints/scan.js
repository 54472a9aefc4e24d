/* The checkpoint scan page and the automatic lane. Every scan gets its own uuid and scan time and goes into a
   local queue (localStorage) before it is sent to the batch API; it leaves the queue only when the server has
   answered for it, so scans made while the network is down are decided when it is back, once (the server
   recognises a resent uuid). The newest answer is shown as one big decision; in lane mode as a full-screen
   green or red screen for a few seconds, after which the lane reads the next code by itself. */
(function () {
  "use strict";

  var root = document.getElementById("checkpoint-scanner");
  if (!root) return;

  var msg = root.dataset;
  var lane = msg.mode === "lane";
  var QUEUE_KEY = "phongdich.checkpoint.queue." + msg.code;
  var REPEAT_MS = lane ? 6000 : 8000; // the same code seen again within this time is the same scan
  var LANE_SCREEN_MS = 3500;
  var MAX_DELAY_MS = 60000;

  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var startButton = document.getElementById("start-camera");
  var stopButton = document.getElementById("stop-camera");
  var plateInput = document.getElementById("plate");
  var driverInput = document.getElementById("driver");
  var results = document.getElementById("results");
  var queueState = document.getElementById("queue-state");
  var panel = document.getElementById("decision");
  var laneScreen = document.getElementById("lane-screen");
  var overrideForm = document.getElementById("override-form");

  var lastCode = "";
  var lastCodeAt = 0;
  var sending = false;
  var retryDelay = 0;
  var retryTimer = null;
  var newestUuid = "";
  var shownPassId = null;
  var paused = false;

  var newUuid = window.PhongDichScanQueue.newUuid;

  function loadQueue() {
    return window.PhongDichScanQueue.load(QUEUE_KEY);
  }

  function saveQueue(items) {
    window.PhongDichScanQueue.store(QUEUE_KEY, items);
    queueState.textContent = items.length ? items.length + " " + queueState.dataset.waiting : queueState.dataset.allSent;
    queueState.classList.toggle("waiting", items.length > 0);
  }

  function direction() {
    var checked = root.querySelector('input[name="direction"]:checked');
    return checked ? checked.value : "entry";
  }

  function who(decision) {
    var parts = [];
    if (decision.initials) parts.push(decision.initials);
    if (decision.age !== null && decision.age !== undefined) parts.push(msg.msgAge + " " + decision.age);
    if (decision.plate) parts.push(decision.plate);
    return parts.join(" · ");
  }

  function row(item, cls, text) {
    var li = document.getElementById("scan-" + item.uuid);
    if (!li) {
      li = document.createElement("li");
      li.id = "scan-" + item.uuid;
      results.insertBefore(li, results.firstChild);
      while (results.children.length > 30) results.removeChild(results.lastChild);
    }
    li.className = cls;
    var time = new Date(item.scanned_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    li.textContent = time + " — " + text;
  }

  function showDecision(decision) {
    shownPassId = decision.pass_id;
    panel.hidden = false;
    panel.dataset.decision = decision.decision;
    document.getElementById("decision-label").textContent = decision.decision_label;
    document.getElementById("decision-reason").textContent = decision.reason;
    document.getElementById("decision-who").textContent = who(decision);
    if (lane) showLaneScreen(decision);
  }

  function showLaneScreen(decision) {
    var go = decision.decision === "let_through" || decision.decision === "let_through_notify";
    paused = true;
    laneScreen.className = "cp-lane-screen " + (go ? "go" : "stop");
    laneScreen.dataset.decision = decision.decision;
    document.getElementById("lane-text").textContent = decision.decision_label;
    document.getElementById("lane-reason").textContent = decision.reason + (who(decision) ? " — " + who(decision) : "");
    laneScreen.hidden = false;
    window.setTimeout(function () {
      laneScreen.hidden = true;
      paused = false;
      lastCodeAt = Date.now(); // the same code still held up is not a new traveller
    }, LANE_SCREEN_MS);
  }

  function settle(batch, fates) {
    var answered = {};
    fates.forEach(function (fate) {
      var item = batch.filter(function (b) { return b.uuid === fate.uuid; })[0] || batch[fate.index];
      if (!item) return;
      answered[item.uuid] = true;
      if (fate.decision) {
        row(item, fate.decision.decision, fate.decision.decision_label + ": " + fate.decision.reason + (who(fate.decision) ? " (" + who(fate.decision) + ")" : ""));
        if (item.uuid === newestUuid) showDecision(fate.decision);
      } else {
        var text = (fate.errors || []).map(function (e) { return e.message; }).join(" ");
        row(item, "rejected", msg.msgRejected + ": " + text);
      }
    });
    saveQueue(loadQueue().filter(function (item) { return !answered[item.uuid]; }));
  }

  function scheduleRetry() {
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, MAX_DELAY_MS);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(send, retryDelay);
  }

  function send() {
    var batch = loadQueue();
    if (sending || !batch.length) return;
    sending = true;
    fetch(msg.batchUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": msg.csrf },
      body: JSON.stringify({ items: batch })
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body && Array.isArray(body.items)) {
          retryDelay = 0;
          settle(batch, body.items);
          return;
        }
        if (response.status === 401 || response.status === 403) queueState.textContent = msg.msgSignin;
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

  function enqueue(text) {
    var item = {
      uuid: newUuid(),
      qr: text,
      direction: direction(),
      plate: plateInput.value.trim(),
      driver: plateInput.value.trim() ? driverInput.checked : null,
      scanned_at: new Date().toISOString()
    };
    newestUuid = item.uuid;
    var items = loadQueue();
    items.push(item);
    saveQueue(items);
    row(item, "queued", msg.msgQueued);
    driverInput.checked = false;
    retryDelay = 0;
    send();
  }

  var camera = new window.PhongDichQrCamera(video, canvas, function (text) {
    if (paused) return;
    var now = Date.now();
    if (text !== lastCode || now - lastCodeAt > REPEAT_MS) {
      lastCode = text;
      lastCodeAt = now;
      enqueue(text);
    }
  });

  function startCamera() {
    camera.start().then(function () {
      startButton.hidden = true;
      stopButton.hidden = false;
    }, function () {
      camera.stop();
      window.alert(msg.msgCamera);
    });
  }

  startButton.addEventListener("click", startCamera);
  stopButton.addEventListener("click", function () {
    camera.stop();
    startButton.hidden = false;
    stopButton.hidden = true;
  });

  // --- Override: the officer changes the shown decision, with a reason ------------------------------
  document.getElementById("override-open").addEventListener("click", function () {
    overrideForm.hidden = false;
    document.getElementById("override-reason").focus();
  });
  document.getElementById("override-cancel").addEventListener("click", function () { overrideForm.hidden = true; });
  overrideForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var errorBox = document.getElementById("override-error");
    var reason = document.getElementById("override-reason").value.trim();
    if (!reason || !shownPassId) {
      errorBox.textContent = msg.msgReason;
      return;
    }
    fetch(msg.overrideUrl.replace("/0/", "/" + shownPassId + "/"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": msg.csrf },
      body: JSON.stringify({ decision: document.getElementById("override-decision").value, reason: reason })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          errorBox.textContent = (body.errors || []).map(function (e) { return e.message; }).join(" ") || body.detail;
          return;
        }
        errorBox.textContent = "";
        overrideForm.hidden = true;
        document.getElementById("override-reason").value = "";
        panel.dataset.decision = body.decision;
        var option = overrideForm.querySelector('option[value="' + body.decision + '"]');
        document.getElementById("decision-label").textContent = option ? option.textContent : body.decision;
        document.getElementById("decision-reason").textContent = msg.msgOverridden + " " + body.override_reason;
      });
    }, function () { errorBox.textContent = msg.msgOffline; });
  });

  window.addEventListener("online", function () { retryDelay = 0; send(); });
  loadQueue().forEach(function (item) { row(item, "queued", msg.msgQueued); });
  saveQueue(loadQueue());
  send();
  if (lane) startCamera(); // the kiosk starts reading at once: no tap
})();
