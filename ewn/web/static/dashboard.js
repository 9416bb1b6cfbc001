(function () {
  "use strict";
  var box = document.getElementById("dashboard");
  if (!box) { return; }
  var form = document.getElementById("dashboard-form");
  function cell(tag, text) { var c = document.createElement(tag); c.textContent = text; return c; }
  function load() {
    var days = form.elements.days.value;
    fetch(box.dataset.url + "?days=" + days, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        box.innerHTML = "";
        var areas = Object.keys(data.by_area).sort();
        if (!areas.length) { box.appendChild(cell("p", box.dataset.empty)); }
        var categories = {};
        areas.forEach(function (a) { Object.keys(data.by_area[a]).forEach(function (c) { categories[c] = true; }); });
        categories = Object.keys(categories).sort();
        var table = document.createElement("table");
        table.className = "queue";
        var head = document.createElement("tr");
        head.appendChild(cell("th", box.dataset.area));
        categories.forEach(function (c) { head.appendChild(cell("th", c)); });
        head.appendChild(cell("th", box.dataset.total));
        table.appendChild(head);
        areas.forEach(function (a) {
          var row = document.createElement("tr");
          row.appendChild(cell("td", a));
          var total = 0;
          categories.forEach(function (c) { var n = data.by_area[a][c] || 0; total += n; row.appendChild(cell("td", n || "")); });
          row.appendChild(cell("td", total));
          table.appendChild(row);
        });
        if (areas.length) { box.appendChild(table); }
        var bars = document.getElementById("per-day");
        bars.innerHTML = "";
        var max = Math.max.apply(null, Object.values(data.by_day).concat([1]));
        Object.keys(data.by_day).forEach(function (day) {
          var line = cell("div", day + " · " + data.by_day[day]);
          var bar = document.createElement("div");
          bar.className = "bar";
          bar.style.inlineSize = (100 * data.by_day[day] / max) + "%";
          bars.appendChild(line);
          bars.appendChild(bar);
        });
      });
  }
  form.addEventListener("change", load);
  load();
})();
