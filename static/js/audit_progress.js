/* Batch audits: keep the progress bars of running audits up to date without reloading the page.
   Progressive enhancement only: without JavaScript the page reloads itself (a <noscript> refresh)
   and shows the same server-rendered percentage. Written for old extranet browsers (ES5, XHR). */
(function () {
  "use strict";
  var INTERVAL = 2000;

  function update(runId, bar) {
    var request = new XMLHttpRequest();
    request.open("GET", "/api/v1/audits/runs/" + runId, true);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200) { return; }
      var run;
      try { run = JSON.parse(request.responseText); } catch (e) { return; }
      if (run.status === "finished" || run.status === "failed") {
        window.location.reload();
        return;
      }
      var status = document.querySelector('[data-audit-status="' + runId + '"]');
      if (status) { status.textContent = run.status_label; }
      var p = run.progress;
      bar.value = p.percent;
      bar.textContent = p.percent + "%";
      var percent = document.querySelector('[data-audit-percent="' + runId + '"]');
      if (percent) { percent.textContent = p.percent + "%"; }
      var stage = document.querySelector('[data-audit-stage="' + runId + '"]');
      if (stage) { stage.textContent = p.stage + (p.total ? "（" + p.done + " / " + p.total + "）" : ""); }
      window.setTimeout(function () { update(runId, bar); }, INTERVAL);
    };
    request.send();
  }

  var bars = document.querySelectorAll("progress[data-audit-run]");
  for (var i = 0; i < bars.length; i++) {
    (function (bar) {
      window.setTimeout(function () { update(bar.getAttribute("data-audit-run"), bar); }, INTERVAL);
    })(bars[i]);
  }
})();
