/* Sorting, search and filters for the report's interactive tables (List.js), offline. */
(function () {
  "use strict";
  function toNumber(text) {
    if (text === undefined || text === null) return null;
    var clean = String(text).replace(/,/g, "").replace(/%$/, "").trim();
    if (clean === "" || isNaN(Number(clean))) return null;
    return Number(clean);
  }
  function compare(a, b, options) {
    var x = a.values()[options.valueName], y = b.values()[options.valueName];
    var nx = toNumber(x), ny = toNumber(y);
    if (nx !== null && ny !== null) return nx - ny;
    if (x === "" && y !== "") return 1;
    if (y === "" && x !== "") return -1;
    return String(x).localeCompare(String(y), "en-GB", { numeric: true, sensitivity: "base" });
  }
  var blocks = document.querySelectorAll(".table-block.interactive");
  Array.prototype.forEach.call(blocks, function (block) {
    var names = Array.prototype.map.call(
      block.querySelectorAll("thead .sort"), function (b) { return b.getAttribute("data-sort"); });
    if (!block.querySelector("tbody.list")) return;
    var list = new List(block.id, { valueNames: names, sortFunction: compare });
    var shown = block.querySelector(".shown");
    var selects = block.querySelectorAll("select.filter");
    function count() {
      if (shown) shown.textContent = list.matchingItems.length + " of " + list.items.length + " shown";
    }
    function applyFilters() {
      var wanted = Array.prototype.map.call(selects, function (s) {
        return { name: "c-" + s.getAttribute("data-column"), value: s.value };
      }).filter(function (f) { return f.value !== ""; });
      if (!wanted.length) { list.filter(); }
      else {
        list.filter(function (item) {
          var values = item.values();
          return wanted.every(function (f) { return values[f.name] === f.value; });
        });
      }
      count();
    }
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener("change", applyFilters); });
    var box = block.querySelector("input.search");
    if (box) {  /* List.js listens for keys; a paste, or the box's clear button, is an input */
      box.addEventListener("input", function () { list.search(box.value); });
    }
    list.on("searchComplete", count);
    list.on("filterComplete", count);
    count();
  });
})();
