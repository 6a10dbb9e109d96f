// Browser upload through the station's chunked upload API: many files and folders, per-file and overall
// progress, pause/resume, retries after a dropped connection, and resumption after a reload (the server
// keeps every part it received; starting the same path and size again returns the same upload).
// Each part carries its sha256 (WebCrypto); the whole file's sha256 is fed part by part to hash-wasm's
// incremental SHA-256, since WebCrypto cannot hash incrementally.
(function () {
  "use strict";
  var root = document.getElementById("uploader");
  if (!root) return;
  var acc = root.dataset.dataset;
  var partSize = parseInt(root.dataset.partSize, 10);
  var csrf = document.body.dataset.csrf;
  var lang = document.documentElement.lang || "ko";
  var storeKey = "biostation.uploads." + acc;
  var tbody = document.querySelector("#queue tbody");
  var overall = document.getElementById("overall-progress");
  var overallText = document.getElementById("overall-text");
  var pauseBtn = document.getElementById("pause"), resumeBtn = document.getElementById("resume");
  var queue = [], paused = false, running = false, currentXhr = null;
  var PAUSED = new Error("paused");

  function msg(key) { return root.dataset["msg" + key.charAt(0).toUpperCase() + key.slice(1)] || key; }

  function size(n) {
    var units = [["terabyte", 1e12], ["gigabyte", 1e9], ["megabyte", 1e6], ["kilobyte", 1e3]];
    for (var i = 0; i < units.length; i++) {
      if (n >= units[i][1]) {
        return new Intl.NumberFormat(lang, { style: "unit", unit: units[i][0], maximumFractionDigits: 1 }).format(n / units[i][1]);
      }
    }
    return new Intl.NumberFormat(lang, { style: "unit", unit: "byte" }).format(n);
  }

  // --- memory of unfinished uploads, for a reload -------------------------------------------------------
  function saved() { try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; } }
  function save(list) { localStorage.setItem(storeKey, JSON.stringify(list)); }
  function remember(item) {
    var list = saved().filter(function (s) { return s.path !== item.path; });
    list.push({ path: item.path, size: item.size, id: item.upload.id });
    save(list);
  }
  function forget(item) { save(saved().filter(function (s) { return s.path !== item.path; })); }

  function showResumable() {
    var box = document.getElementById("resumable");
    var waiting = saved().filter(function (s) { return !queue.some(function (q) { return q.path === s.path; }); });
    if (!waiting.length) { box.hidden = true; return; }
    box.hidden = false;
    box.textContent = msg("resumable") + " " + waiting.map(function (s) { return s.path + " (" + size(s.size) + ")"; }).join(", ");
  }

  // --- the API -----------------------------------------------------------------------------------------------
  function problemText(body, status) {
    if (!body) return "HTTP " + status;
    var main = lang === "ko" ? (body.title_ko || body.title) : body.title;
    var details = (body.errors || []).map(function (e) { return lang === "ko" ? e.message_ko : e.message_en + " " + (e.hint || ""); });
    return [main].concat(details).join(" ");
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        if (!r.ok) { var e = new Error(problemText(data, r.status)); e.status = r.status; throw e; }
        return data;
      });
    });
  }

  function putPart(item, n, bytes, hex) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      currentXhr = xhr;
      xhr.open("PUT", "/api/uploads/" + item.upload.id + "/parts/" + n);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-Part-Sha256", hex);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      var base = (n - 1) * item.upload.part_size;
      xhr.upload.onprogress = function (e) { item.sent = base + e.loaded; draw(item); };
      xhr.onload = function () {
        currentXhr = null;
        if (xhr.status === 200) { resolve(JSON.parse(xhr.responseText)); return; }
        var data = null; try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        var err = new Error(problemText(data, xhr.status)); err.status = xhr.status; reject(err);
      };
      xhr.onerror = function () { currentXhr = null; var e = new Error("network"); e.status = 0; reject(e); };
      xhr.onabort = function () { currentXhr = null; reject(PAUSED); };
      xhr.send(bytes);
    });
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function partHash(bytes) {
    if (window.crypto && crypto.subtle) return crypto.subtle.digest("SHA-256", bytes).then(hex);
    return hashwasm.sha256(bytes);
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // --- one file ------------------------------------------------------------------------------------------
  async function uploadOne(item) {
    if (!item.upload) {
      item.upload = await api("POST", "/api/datasets/" + acc + "/uploads", { path: item.path, size: item.size, part_size: partSize });
      remember(item);
      showResumable();
    } else {
      item.upload = await api("GET", "/api/uploads/" + item.upload.id);
    }
    if (!item.hasher) { item.hasher = await hashwasm.createSHA256(); item.hasher.init(); item.nextPart = 1; }
    var received = new Set(item.upload.parts_received);
    var total = item.upload.parts_total, ps = item.upload.part_size;
    for (var n = item.nextPart; n <= total; n++) {
      if (paused) throw PAUSED;
      var bytes = new Uint8Array(await item.file.slice((n - 1) * ps, Math.min(n * ps, item.size)).arrayBuffer());
      if (!received.has(n)) {
        setState(item, "uploading");
        var digest = await partHash(bytes);
        for (var attempt = 0; ; attempt++) {
          try { await putPart(item, n, bytes, digest); break; } catch (e) {
            if (e === PAUSED || e.status !== 0 || attempt >= 5) throw e;
            await sleep(1000 * Math.pow(2, attempt));  // a dropped connection: try the part again
          }
        }
      }
      item.hasher.update(bytes);
      item.nextPart = n + 1;
      item.sent = Math.min(n * ps, item.size);
      draw(item);
    }
    setState(item, "hashing");
    item.upload = await api("POST", "/api/uploads/" + item.upload.id + "/complete", { sha256: item.hasher.digest("hex") });
    item.done = true;
    item.sent = item.size;
    forget(item);
    setState(item, "done");
    draw(item);
  }

  async function run() {
    if (running) return;
    running = true; paused = false;
    pauseBtn.disabled = false; resumeBtn.disabled = true;
    try {
      for (;;) {
        var item = queue.find(function (q) { return !q.done && !q.failed; });
        if (!item || paused) break;
        try { await uploadOne(item); } catch (e) {
          if (e === PAUSED || paused) { setState(item, "paused"); break; }
          item.failed = true; setState(item, "failed", e.message);
        }
      }
    } finally {
      running = false;
      pauseBtn.disabled = true;
      resumeBtn.disabled = !queue.some(function (q) { return !q.done; });
      var done = queue.filter(function (q) { return q.done; }).length;
      if (done) htmx.trigger(document.body, "files-changed");
      if (queue.length && done === queue.length) overallText.textContent = msg("allDone");
    }
  }

  // --- the page ------------------------------------------------------------------------------------------
  function setState(item, state, detail) {
    item.state = state;
    item.stateCell.textContent = msg(state) + (detail ? ": " + detail : "");
    item.row.className = "upload-" + state;
  }

  function draw(item) {
    item.bar.value = item.size ? Math.floor(100 * item.sent / item.size) : (item.done ? 100 : 0);
    var total = 0, sent = 0;
    queue.forEach(function (q) { total += q.size; sent += q.sent; });
    overall.value = total ? Math.floor(100 * sent / total) : 100;
    if (item.state !== "uploading") overallText.textContent = size(sent) + " / " + size(total);
  }

  function add(entries) {
    entries.forEach(function (e) {
      var path = e.path.replace(/^\/+/, "");
      var existing = queue.find(function (q) { return q.path === path; });
      if (existing && !existing.failed) return;
      if (existing) { queue.splice(queue.indexOf(existing), 1); existing.row.remove(); }
      var item = { file: e.file, path: path, size: e.file.size, sent: 0, done: false, failed: false };
      var tr = document.createElement("tr");
      var td1 = document.createElement("td"); td1.textContent = path;
      var td2 = document.createElement("td"); td2.className = "num"; td2.textContent = size(item.size);
      var td3 = document.createElement("td"); var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0; bar.setAttribute("aria-label", path); td3.appendChild(bar);
      var td4 = document.createElement("td");
      tr.append(td1, td2, td3, td4); tbody.appendChild(tr);
      item.row = tr; item.bar = bar; item.stateCell = td4;
      setState(item, "waiting");
      queue.push(item);
    });
    showResumable();
    run();
  }

  function walk(entry, prefix, out) {
    if (entry.isFile) {
      return new Promise(function (res, rej) { entry.file(res, rej); }).then(function (f) { out.push({ file: f, path: prefix + entry.name }); });
    }
    if (!entry.isDirectory) return Promise.resolve();
    var reader = entry.createReader();
    function batch() {
      return new Promise(function (res, rej) { reader.readEntries(res, rej); }).then(function (list) {
        if (!list.length) return;
        return list.reduce(function (p, e) { return p.then(function () { return walk(e, prefix + entry.name + "/", out); }); },
                           Promise.resolve()).then(batch);
      });
    }
    return batch();
  }

  var zone = document.getElementById("dropzone");
  ["dragenter", "dragover"].forEach(function (t) { zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); }); });
  ["dragleave", "drop"].forEach(function (t) { zone.addEventListener(t, function () { zone.classList.remove("over"); }); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    var items = Array.prototype.slice.call(e.dataTransfer.items || []);
    var entries = items.map(function (i) { return i.webkitGetAsEntry ? i.webkitGetAsEntry() : null; }).filter(Boolean);
    if (!entries.length) {
      add(Array.prototype.map.call(e.dataTransfer.files, function (f) { return { file: f, path: f.name }; }));
      return;
    }
    var out = [];
    entries.reduce(function (p, en) { return p.then(function () { return walk(en, "", out); }); }, Promise.resolve())
      .then(function () { add(out); });
  });
  function fromInput(input) {
    input.addEventListener("change", function () {
      add(Array.prototype.map.call(input.files, function (f) { return { file: f, path: f.webkitRelativePath || f.name }; }));
      input.value = "";
    });
  }
  fromInput(document.getElementById("pick-files"));
  fromInput(document.getElementById("pick-folder"));

  pauseBtn.addEventListener("click", function () {
    paused = true;
    if (currentXhr) currentXhr.abort();
    pauseBtn.disabled = true; resumeBtn.disabled = false;
    overallText.textContent = msg("paused");
  });
  resumeBtn.addEventListener("click", function () {
    queue.forEach(function (q) { if (q.failed) { q.failed = false; setState(q, "waiting"); } });
    run();
  });
  window.addEventListener("beforeunload", function (e) { if (running) { e.preventDefault(); e.returnValue = ""; } });
  showResumable();
})();
