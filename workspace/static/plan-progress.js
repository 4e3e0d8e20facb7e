// While a plan runs: poll its status and show the page again when it is done or failed.
(function () {
  var panel = document.getElementById("plan-running");
  if (!panel) return;
  var id = panel.getAttribute("data-run");
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var said = "";
  function poll() {
    fetch("/api/plan-runs/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        bar.value = run.progress;
        bar.textContent = Math.round(run.progress * 100) + "%";
        if (run.status === "done" || run.status === "failed") {
          status.textContent = run.status === "done" ? "The plan has run." : "The plan did not run.";
          window.location.reload();
          return;
        }
        var text = "The plan is " + run.status + ": " + run.stage + ".";
        if (text !== said) { status.textContent = text; said = text; }
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 300);
})();
