// The dashboard's "Running now" column follows running syncs without a page reload.
(function () {
  "use strict";
  const section = document.getElementById("sync-health");
  if (!section) { return; }
  const url = section.dataset.progressUrl;
  function show(runs) {
    const byConnection = {};
    runs.forEach(function (run) { (byConnection[run.connection] = byConnection[run.connection] || []).push(run); });
    section.querySelectorAll("[data-progress-connection]").forEach(function (cell) {
      const mine = byConnection[cell.dataset.progressConnection] || [];
      cell.textContent = "";
      if (!mine.length) { cell.textContent = "–"; return; }
      mine.forEach(function (run) {
        const line = document.createElement("div");
        line.textContent = run.kind + ": " + run.done + (run.total ? " / " + run.total : "");
        cell.appendChild(line);
      });
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) { show(body.runs); } })
      .catch(function () { /* the next poll tries again */ });
  }
  window.setInterval(poll, 5000);
})();
