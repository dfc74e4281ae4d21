// Live updates of the inspection queue from the console's Server-Sent Events (same origin, session cookie).
"use strict";
(function () {
  var status = document.getElementById("live-status");
  var table = document.querySelector("#queue tbody");
  if (!status || !table || !window.EventSource) { return; }
  var url = status.dataset.source + "?after_id=" + encodeURIComponent(status.dataset.afterId || "0");
  var source = new EventSource(url);
  var added = 0;
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }
  source.addEventListener("open", function () { status.textContent = "Live updates: on"; });
  source.addEventListener("error", function () { status.textContent = "Live updates: reconnecting…"; });
  source.addEventListener("close", function () { status.textContent = "Live updates: ended; reload the page"; source.close(); });
  source.addEventListener("decision", function (event) {
    var d = JSON.parse(event.data);
    var empty = table.querySelector("tr.empty");
    if (empty) { empty.remove(); }
    var row = document.createElement("tr");
    row.className = "new";
    var first = cell(row, "");
    var link = document.createElement("a");
    link.href = "/console/decisions/" + encodeURIComponent(d.stream) + "/" + encodeURIComponent(d.subject_id);
    link.textContent = d.subject_id;
    first.appendChild(link);
    var laneCell = cell(row, "");
    var lane = document.createElement("span");
    lane.className = "lane lane-" + d.lane;
    lane.textContent = d.lane;
    laneCell.appendChild(lane);
    cell(row, Number(d.score).toFixed(2));
    cell(row, (d.attributes && d.attributes.office_id) || "");
    cell(row, String(d.decided_at).replace("T", " ").slice(0, 19));
    cell(row, (d.reasons || []).map(function (r) { return r.text; }).join("; "));
    table.appendChild(row);
    added += 1;
    status.textContent = "Live updates: on, " + added + " new since the page loaded";
  });
})();

// Live updates of the analysts' alerts: new alerts on top, acknowledgements in place (relayed by the gateway).
(function () {
  var status = document.getElementById("alerts-live");
  var table = document.querySelector("#alerts tbody");
  if (!status || !table || !window.EventSource) { return; }
  var source = new EventSource(status.dataset.source);
  var added = 0;
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }
  source.addEventListener("open", function () { status.textContent = "Live updates: on"; });
  source.addEventListener("error", function () { status.textContent = "Live updates: reconnecting…"; });
  source.addEventListener("close", function () { status.textContent = "Live updates: ended; reload the page"; source.close(); });
  source.addEventListener("alert", function (event) {
    var a = JSON.parse(event.data);
    var existing = document.getElementById("alert-" + a.alert_id);
    if (existing) {
      if (a.status === "acknowledged" && a.acknowledgement) {
        var last = existing.lastElementChild;
        last.textContent = "acknowledged by " + a.acknowledgement.by + " (" + a.acknowledgement.role + "): " + a.acknowledgement.note;
      }
      return;
    }
    if (a.status !== "open") { return; }
    var empty = table.querySelector("tr.empty");
    if (empty) { empty.remove(); }
    var row = document.createElement("tr");
    row.className = "new";
    row.id = "alert-" + a.alert_id;
    cell(row, a.record.subject_id + " (" + a.record.stream + ")");
    cell(row, a.entry.entry_id + " v" + a.entry.version + " (" + a.entry.kind + ")");
    cell(row, a.entry.list_name);
    cell(row, Number(a.score).toFixed(2) + (a.strong ? " strong" : " possible"));
    cell(row, String(a.raised_at).replace("T", " ").slice(0, 16));
    cell(row, a.reason);
    cell(row, "new: reload the page to acknowledge it");
    table.insertBefore(row, table.firstChild);
    added += 1;
    status.textContent = "Live updates: on, " + added + " new since the page loaded";
  });
})();
