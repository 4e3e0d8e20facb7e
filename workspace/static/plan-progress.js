// While a plan or a forecast runs: poll its status and show the page again when it is done
// or failed. The panel names its API route (data-api) and what runs (data-what).
(function () {
  var panel = document.getElementById("plan-running");
  if (!panel) return;
  var id = panel.getAttribute("data-run");
  var api = panel.getAttribute("data-api") || "/api/plan-runs/";
  var what = panel.getAttribute("data-what") || "plan";
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var said = "";
  function poll() {
    fetch(api + id, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        bar.value = run.progress;
        bar.textContent = Math.round(run.progress * 100) + "%";
        if (run.status === "done" || run.status === "failed" || run.status === "cancelled") {
          status.textContent = run.status === "done" ? "The " + what + " has run." : "The " + what + " did not run.";
          window.location.reload();
          return;
        }
        var text = "The " + what + " is " + run.status + ": " + run.stage + ".";
        if (text !== said) { status.textContent = text; said = text; }
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 300);
})();
