// While a proposal solves: poll its status and show the page again when it is ready.
(function () {
  var panel = document.getElementById("solving");
  if (!panel) return;
  var id = panel.getAttribute("data-proposal");
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var said = "";
  function poll() {
    fetch("/api/proposals/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.value = p.progress;
        bar.textContent = Math.round(p.progress * 100) + "%";
        if (p.status === "done" || p.status === "failed") {
          status.textContent = p.status === "done" ? "The proposal is ready." : "The solve failed.";
          window.location.reload();
          return;
        }
        var text = "The proposal is " + p.status + ".";
        if (text !== said) { status.textContent = text; said = text; }
        setTimeout(poll, 200);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 150);
})();
