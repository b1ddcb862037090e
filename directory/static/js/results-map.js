// Progressive enhancement of the results map (templates/search/_map.html), loaded only when
// MAP_TILE_URL is set: a Leaflet street map with the same circle, origin and numbered pins,
// whose popups link to the result cards. The server's drawing is hidden only once the street
// map is up, and comes back if no tile loads (offline, provider down).
(function () {
  "use strict";
  var holder = document.querySelector(".results-map__street");
  var data = document.getElementById("results-map-data");
  var drawing = document.querySelector(".results-map__drawing");
  if (!holder || !data || !drawing || typeof window.L === "undefined") {
    return;
  }
  var shown = JSON.parse(data.textContent);
  var brand = "#0b4a46", origin = "#a4001d";  // site.css --brand and --error

  holder.hidden = false;  // Leaflet measures its container
  var map = L.map(holder, {keyboard: false, scrollWheelZoom: false, zoomSnap: 0.25});
  var tiles = L.tileLayer(holder.getAttribute("data-tiles"), {
    attribution: holder.getAttribute("data-attribution"), maxZoom: 19
  });
  var circle = L.circle(shown.origin, {
    radius: shown.radius, color: brand, weight: 2, dashArray: "6 4", fillOpacity: 0.06, interactive: false
  });
  var bounds = L.latLngBounds([shown.origin]);
  var fallenBack = false;
  var loaded = false;

  function fallBack() {
    if (fallenBack) { return; }
    fallenBack = true;
    map.remove();
    holder.hidden = true;
    drawing.removeAttribute("hidden");
  }
  tiles.on("tileload", function () { loaded = true; });
  tiles.on("tileerror", function () { if (!loaded) { fallBack(); } });

  tiles.addTo(map);
  map.setView(shown.origin, 10);
  circle.addTo(map);
  bounds.extend(circle.getBounds());
  L.circleMarker(shown.origin, {
    radius: 7, color: origin, weight: 3, fillColor: "#ffffff", fillOpacity: 1, interactive: false
  }).addTo(map);

  shown.pins.forEach(function (pin, index) {
    var number = String(Number(pin.number));
    var link = document.createElement("a");
    link.href = "#" + pin.anchor;
    link.textContent = number + ". " + pin.label;  // text, never markup
    var marker = L.marker([pin.lat, pin.lon], {
      icon: L.divIcon({className: "results-map__marker", html: number, iconSize: [26, 26]}),
      title: number + ". " + pin.label,
      keyboard: false,  // the numbered list is the way through the results by keyboard
      // Leaflet stacks markers by latitude; where pins overlap the lower number goes on top, as drawn.
      zIndexOffset: (shown.pins.length - index) * 1000
    });
    marker.bindPopup(link).addTo(map);
    bounds.extend([pin.lat, pin.lon]);
  });
  map.fitBounds(bounds, {padding: [8, 8]});
  drawing.setAttribute("hidden", "");  // an <svg> has no .hidden; site.css hides [hidden] in the map
})();
