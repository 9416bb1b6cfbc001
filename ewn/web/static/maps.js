// Maps work without tiles: points on a plain background (tile URL is a setting).
(function () {
  "use strict";
  var colours = { critical: "#b00020", high: "#d35400", medium: "#b7950b", low: "#5b6770" };
  function base(element) {
    var map = L.map(element, { worldCopyJump: true });
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: element.dataset.attribution || "" }).addTo(map);
    }
    return map;
  }
  var one = document.getElementById("incident-map");
  if (one) {
    var lat = parseFloat(one.dataset.lat), lon = parseFloat(one.dataset.lon);
    var map = base(one);
    map.setView([lat, lon], 12);
    var circle = L.circle([lat, lon], { radius: parseFloat(one.dataset.radius) || 1000 }).addTo(map);
    L.circleMarker([lat, lon], { radius: 5 }).addTo(map);
    map.fitBounds(circle.getBounds(), { maxZoom: 13 });
  }
  var all = document.getElementById("incidents-map");
  if (all) {
    var overview = base(all);
    var edges = all.dataset.bounds.split(",").map(parseFloat);
    overview.fitBounds([[edges[0], edges[1]], [edges[2], edges[3]]]);
    var layer = L.layerGroup().addTo(overview);
    var note = document.getElementById("map-note");
    function load() {
      var b = overview.getBounds();
      var bbox = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (v) { return v.toFixed(4); }).join(",");
      fetch(all.dataset.url + "?bbox=" + bbox, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.incidents.forEach(function (incident) {
            var marker = L.circleMarker([incident.lat, incident.lon], {
              radius: 7, color: colours[incident.band] || "#333", fillOpacity: 0.7 });
            marker.bindTooltip(incident.reference + (incident.place ? " · " + incident.place : ""));
            marker.on("click", function () { window.location = all.dataset.incident.replace("REF", incident.reference); });
            marker.addTo(layer);
          });
          note.textContent = data.truncated ? note.dataset.truncated : "";
        });
    }
    overview.on("moveend", load);
    load();
  }
})();
