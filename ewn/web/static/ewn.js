// Light progressive enhancement: pages work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var table = document.getElementById("queue");
  var selected = -1;
  var claim = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr[data-href]")); }
  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    all[selected].scrollIntoView({ block: "nearest" });
  }
  if (table) {
    document.getElementById("queue-rows").addEventListener("click", function (event) {
      var row = event.target.closest("tr[data-href]");
      if (row && event.target.tagName !== "A") { window.location = row.dataset.href; }
    });
    var seconds = parseInt(table.dataset.seconds, 10) || 15;
    var refresh = function () {
      fetch(table.dataset.refresh + window.location.search, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          document.getElementById("queue-rows").innerHTML = html;
          if (selected >= 0) { select(selected); }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    };
    setInterval(function () { if (!document.hidden) { refresh(); } }, seconds * 1000);
    claim = function (row) {
      var token = document.querySelector("meta[name='csrf-token']");
      var body = new URLSearchParams({ csrf_token: token ? token.content : "" });
      fetch(row.dataset.claim, { method: "POST", body: body, credentials: "same-origin" })
        .then(refresh);
    };
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (table) {
      if (event.key === "j") { select(selected + 1); event.preventDefault(); }
      else if (event.key === "k") { select(selected - 1); event.preventDefault(); }
      else if (event.key === "Enter" && selected >= 0) { window.location = rows()[selected].dataset.href; }
      else if (event.key === "c" && selected >= 0 && rows()[selected].dataset.claim) { claim(rows()[selected]); event.preventDefault(); }
      else if (event.key === "/") { var first = document.querySelector("#filters select"); if (first) { first.focus(); event.preventDefault(); } }
      return;
    }
    var form = document.querySelector("form[data-key='" + event.key + "']");
    if (form) { form.submit(); event.preventDefault(); return; }
    var field = document.querySelector("[data-key-focus='" + event.key + "']");
    if (field) { field.focus(); event.preventDefault(); }
  });
})();
