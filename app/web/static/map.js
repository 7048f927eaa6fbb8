/* The job map: vacancies from the service's vector tiles over a basemap of commune boundaries
   (also ours), a search with filters, "near me" with a list kept in step with the map, and a
   card per vacancy. The view, the filters, the point and the open vacancy live in the URL, so
   a link restores what the sender saw. No framework: the page is small and must load fast on
   phones over slow networks. */
(function () {
  "use strict";

  const {t, apply, formatNumber, formatDate, switchLanguage} = window.I18N;
  const $ = (id) => document.getElementById(id);

  // ISCO-08 major groups, the colour of a site and of its list entry.
  const GROUP_COLOURS = {
    "1": "#6a3d9a", "2": "#1f78b4", "3": "#33a02c", "4": "#b15928", "5": "#e31a1c",
    "6": "#4d9221", "7": "#ff7f00", "8": "#8c510a", "9": "#525252", "0": "#01665e",
  };
  const OTHER_COLOUR = "#888888";
  const EMPLOYMENT_TYPES = ["full_time", "part_time", "seasonal", "contract", "internship"];
  const SALARY_MILLIONS = [3, 5, 7, 10, 15, 20];
  const POSTED_DAYS = [1, 3, 7, 30];
  const PAGE_SIZE = 20;
  const TRAVEL_MINUTES = [15, 30, 45];
  const MAX_LIST_BOX_DEG = 2; // the search's viewport limit (a side)
  const CLICKABLE = ["clusters", "sites", "result-points"];

  const state = readUrl();
  // Whether the link named a view; the map writes its own into the URL once it moves.
  const linkHasView = Boolean(window.location.hash);
  let map = null;
  let dataBounds = null; // [west, south, east, north] of every site, from the TileJSON
  let streetsLoaded = false; // a street network: basemap streets, travel times, routes
  let routeRequest = null;
  let pickMode = false;
  let nextCursor = null;
  let listRequest = null;
  let activeResult = null;
  let listedItems = [];
  let listMode = null;
  let cardReturnFocus = null;

  // ---- URL: the shareable state ------------------------------------------------------------

  function readUrl() {
    const p = new URLSearchParams(window.location.search);
    const near = (p.get("near") || "").split(",").map(Number);
    const radius = Number(p.get("radius"));
    const minutes = Number(p.get("minutes"));
    return {
      q: (p.get("q") || "").slice(0, 200),
      occupation: /^[0-9]$/.test(p.get("occupation") || "") ? p.get("occupation") : "",
      employment: EMPLOYMENT_TYPES.includes(p.get("employment")) ? p.get("employment") : "",
      salary: /^[0-9]{1,9}$/.test(p.get("salary") || "") ? p.get("salary") : "",
      posted: /^[0-9]{1,3}$/.test(p.get("posted") || "") ? p.get("posted") : "",
      near: near.length === 2 && near.every(Number.isFinite) &&
        Math.abs(near[0]) <= 180 && Math.abs(near[1]) <= 90 ? near : null,
      radius: radius >= 100 && radius <= 100000 ? radius : 5000,
      // Travel time by motorbike instead of a radius (when a street network is loaded).
      minutes: TRAVEL_MINUTES.includes(minutes) ? minutes : 0,
      vacancy: /^[0-9a-f-]{36}$/.test(p.get("vacancy") || "") ? p.get("vacancy") : null,
    };
  }

  function writeUrl() {
    const p = new URLSearchParams();
    const lang = new URLSearchParams(window.location.search).get("lang");
    if (lang) p.set("lang", lang);
    for (const name of ["q", "occupation", "employment", "salary", "posted"]) {
      if (state[name]) p.set(name, state[name]);
    }
    if (state.near) {
      p.set("near", state.near.map((c) => c.toFixed(5)).join(","));
      if (state.minutes) p.set("minutes", String(state.minutes));
      else p.set("radius", String(state.radius));
    }
    if (state.vacancy) p.set("vacancy", state.vacancy);
    const query = p.toString();
    const url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
  }

  // The search's parameters for the filters (the tiles take the same ones).
  function filterParams() {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    if (state.occupation) p.set("occupation", state.occupation);
    if (state.employment) p.set("employment_type", state.employment);
    if (state.salary) p.set("salary_min", state.salary);
    if (state.posted) p.set("posted_within_days", state.posted);
    return p;
  }

  function tileJsonUrl() {
    const query = filterParams().toString();
    return "/v1/tiles/vacancies.json" + (query ? "?" + query : "");
  }

  // ---- Formatting ---------------------------------------------------------------------------

  function money(amount) {
    if (amount >= 1000000 && amount % 100000 === 0) {
      const millions = window.I18N.formatDecimal(amount / 1000000);
      return window.I18N.lang === "vi" ? millions + " triệu" : millions + " million";
    }
    return formatNumber(amount) + (window.I18N.lang === "vi" ? " đ" : " VND");
  }

  function salaryText(salary) {
    if (!salary || (salary.min == null && salary.max == null)) {
      return salary && salary.negotiable ? t("salary.negotiable") : t("salary.unspecified");
    }
    let range;
    if (salary.min != null && salary.max != null && salary.min !== salary.max) {
      range = money(salary.min) + " – " + money(salary.max);
    } else if (salary.min != null && salary.max != null) {
      range = money(salary.min);
    } else if (salary.min != null) {
      range = t("salary.from", {a: money(salary.min)});
    } else {
      range = t("salary.upTo", {b: money(salary.max)});
    }
    const text = range + "/" + t("period." + (salary.period || "month"));
    return salary.negotiable ? text + " (" + t("salary.negotiable").toLowerCase() + ")" : text;
  }

  function monthlyText(min, max) {
    if (min == null && max == null) return t("salary.unspecified");
    return salaryText({min, max, period: "month"});
  }

  function distanceText(metres) {
    return metres < 1000
      ? formatNumber(Math.round(metres)) + " m"
      : window.I18N.formatDecimal(Math.round(metres / 100) / 10) + " km";
  }

  function durationText(seconds) {
    return t("duration.minutes", {m: formatNumber(Math.max(1, Math.round(seconds / 60)))});
  }

  // Great-circle distance: enough for "how far" on a card (the list uses the server's).
  function metresBetween(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b[1] - a[1]) * rad;
    const dLon = (b[0] - a[0]) * rad;
    const h = Math.sin(dLat / 2) ** 2 +
      Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  }

  function circlePolygon(centre, metres, steps = 64) {
    const ring = [];
    const latScale = metres / 111320;
    const lonScale = latScale / Math.cos(centre[1] * Math.PI / 180);
    for (let i = 0; i <= steps; i += 1) {
      const angle = (i / steps) * 2 * Math.PI;
      ring.push([centre[0] + lonScale * Math.cos(angle), centre[1] + latScale * Math.sin(angle)]);
    }
    return {type: "Feature", geometry: {type: "Polygon", coordinates: [ring]}, properties: {}};
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value == null || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  // ---- The panel: filters ---------------------------------------------------------------------

  function fillSelect(select, options, selected) {
    select.replaceChildren(el("option", {value: "", text: t("filters.any")}));
    for (const [value, label] of options) {
      select.append(el("option", {value, text: label, selected: value === selected}));
    }
  }

  function buildFilters() {
    fillSelect($("occupation"),
      ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((g) => [g, t("isco." + g)]),
      state.occupation);
    fillSelect($("employment"), EMPLOYMENT_TYPES.map((e) => [e, t("employment." + e)]),
      state.employment);
    fillSelect($("salary"),
      SALARY_MILLIONS.map((m) => [String(m * 1000000), t("salary.million", {n: m})]),
      state.salary);
    fillSelect($("posted"), POSTED_DAYS.map((d) => [String(d), t("posted." + d)]), state.posted);
    $("q").value = state.q;
    $("radius").value = String(state.radius);
    if ($("radius").value !== String(state.radius)) {
      $("radius").append(el("option", {value: String(state.radius),
        text: distanceText(state.radius), selected: true}));
    }
  }

  function buildLegend() {
    const legend = $("legend");
    legend.replaceChildren();
    for (const group of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) {
      const swatch = el("i", {"aria-hidden": "true"});
      swatch.style.background = GROUP_COLOURS[group];
      legend.append(el("div", {}, swatch, el("span", {text: t("isco." + group)})));
    }
  }

  // On a phone the legend is shown on request (it would cover the map otherwise).
  function toggleLegend() {
    const open = !$("legend").classList.contains("open");
    $("legend").classList.toggle("open", open);
    $("legend-toggle").setAttribute("aria-expanded", open ? "true" : "false");
  }

  function filtersChanged() {
    state.q = $("q").value.trim().slice(0, 200);
    state.occupation = $("occupation").value;
    state.employment = $("employment").value;
    state.salary = $("salary").value;
    state.posted = $("posted").value;
    writeUrl();
    const source = map && map.getSource("vacancies");
    if (source) source.setUrl(tileJsonUrl());
    loadResults(false, {show: true});
  }

  // ---- Near me --------------------------------------------------------------------------------

  function setPickMode(on) {
    pickMode = on;
    $("pick").setAttribute("aria-pressed", on ? "true" : "false");
    $("near-status").textContent = on ? t("near.picking") : "";
    // Also said on the map, which is all a phone shows once the filters sheet closes.
    const mapStatus = $("map-status");
    if (on) mapStatus.textContent = t("near.picking");
    else if (mapStatus.textContent === t("near.picking")) mapStatus.textContent = "";
    if (map) map.getCanvas().style.cursor = on ? "crosshair" : "";
  }

  // The minutes of a travel-time search, or 0: only with a street network to travel on.
  function travelMinutes() {
    return streetsLoaded ? state.minutes : 0;
  }

  // The area around the point: a circle of the radius, or the area reachable in the time
  // (an isochrone, fetched; `fit` moves the view onto it once it has come).
  let isochroneRequest = null;

  async function drawNear({fit = false} = {}) {
    const source = map && map.getSource("near");
    if (!source) return;
    if (isochroneRequest) isochroneRequest.abort();
    isochroneRequest = null;
    const point = state.near
      ? {type: "Feature", geometry: {type: "Point", coordinates: state.near}, properties: {}}
      : null;
    if (!state.near || !travelMinutes()) {
      const circle = state.near ? circlePolygon(state.near, state.radius) : null;
      source.setData({type: "FeatureCollection", features: [circle, point].filter(Boolean)});
      if (fit && circle) fitShape(circle);
      return;
    }
    source.setData({type: "FeatureCollection", features: [point]});
    const request = new AbortController();
    isochroneRequest = request;
    const params = new URLSearchParams({near: state.near.join(","), travel_mode: "motorbike",
      minutes: String(travelMinutes())});
    try {
      const response = await fetch("/v1/isochrones?" + params, {signal: request.signal});
      if (!response.ok) return;
      const shape = (await response.json()).features[0];
      if (request !== isochroneRequest || !shape || !shape.geometry) return;
      source.setData({type: "FeatureCollection", features: [shape, point]});
      if (fit) fitShape(shape);
    } catch (_) { /* the list still says what is reachable */ }
  }

  // A (multi)polygon's outline points fitted in view.
  function fitShape(shape) {
    const {type, coordinates} = shape.geometry;
    const points = type === "Polygon" ? coordinates.flat() : coordinates.flat(2);
    map.fitBounds(pointsBounds(points), {padding: 30, maxZoom: 16, duration: 600});
  }

  function setNear(point) {
    state.near = point;
    setPickMode(false);
    $("clear-near").hidden = !point;
    $("near-status").textContent = point ? t("near.point") : "";
    writeUrl();
    drawNear({fit: Boolean(point)});
    loadResults(false);
  }

  function locate() {
    closeFilters(false);
    if (!navigator.geolocation) {
      $("near-status").textContent = t("near.denied");
      return;
    }
    $("near-status").textContent = t("results.loading");
    navigator.geolocation.getCurrentPosition(
      (position) => setNear([position.coords.longitude, position.coords.latitude]),
      () => { $("near-status").textContent = t("near.denied"); setPickMode(true); },
      {enableHighAccuracy: false, timeout: 10000, maximumAge: 60000},
    );
  }

  // ---- The results list -------------------------------------------------------------------------

  // Near a point when one is chosen; else the text search over the province; else the view.
  function listQuery() {
    const p = filterParams();
    p.set("limit", String(PAGE_SIZE));
    if (state.near) {
      p.set("near", state.near.join(","));
      if (travelMinutes()) {
        p.set("travel_mode", "motorbike");
        p.set("max_minutes", String(travelMinutes()));
      } else {
        p.set("radius_m", String(state.radius));
        p.set("sort", "distance");
      }
      return {mode: "near", params: p};
    }
    if (state.q) return {mode: "search", params: p};
    // The view, clipped to where sites can be (every site lies in a commune: the TileJSON's
    // bounds): a phone's tall view of the whole province then stays within the 2° box.
    const bounds = map.getBounds();
    const [minLon, minLat, maxLon, maxLat] = dataBounds || [-180, -90, 180, 90];
    const west = Math.max(bounds.getWest(), minLon);
    const east = Math.min(bounds.getEast(), maxLon);
    const south = Math.max(bounds.getSouth(), minLat);
    const north = Math.min(bounds.getNorth(), maxLat);
    if (east <= west || north <= south) return {mode: "nothing"};
    if (east - west > MAX_LIST_BOX_DEG || north - south > MAX_LIST_BOX_DEG) return {mode: "zoom"};
    p.set("bbox", [west, south, east, north].map((c) => c.toFixed(6)).join(","));
    return {mode: "view", params: p};
  }

  function setStatus(text, {error = false, retry = false} = {}) {
    const status = $("results-status");
    status.replaceChildren(text);
    status.classList.toggle("error", error);
    if (retry) {
      const button = el("button", {type: "button", class: "link-button", text: t("results.retry")});
      button.addEventListener("click", () => loadResults(false));
      status.append(" ", button);
    }
  }

  // `show`: after a search or a filter change, bring the matches into view (showMatches).
  async function loadResults(append, {show = false} = {}) {
    if (!map) return;
    const query = listQuery();
    if (listRequest) listRequest.abort();
    if (query.mode === "zoom" || query.mode === "nothing") {
      listedItems = [];
      listMode = query.mode;
      renderList(false);
      setStatus(t(query.mode === "zoom" ? "results.zoomIn" : "results.empty"));
      updateOutside();
      return;
    }
    // The first page is counted (the status line shows the total); later pages need not be.
    if (append && nextCursor) query.params.set("cursor", nextCursor);
    else query.params.set("count", "exact");
    const request = new AbortController();
    listRequest = request;
    $("results").setAttribute("aria-busy", "true");
    if (!append) setStatus(t("results.loading"));
    try {
      const response = await fetch("/v1/vacancies?" + query.params, {signal: request.signal});
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      if (request !== listRequest) return;
      listedItems = append ? listedItems.concat(page.items) : page.items;
      listMode = query.mode;
      nextCursor = page.next_cursor;
      renderList(append);
      if (!append) setStatus(countText(query.mode, page));
      if (show && !append) showMatches();
      else updateOutside();
    } catch (error) {
      if (error.name === "AbortError") return;
      // A search by travel time that ran out of time: a shorter time (or a radius) is what
      // the user can do about it.
      const slow = error.message === "503" && query.params.has("travel_mode");
      setStatus(t(slow ? "results.travelTooSlow" : "results.error"), {error: true, retry: true});
    } finally {
      if (request === listRequest) $("results").removeAttribute("aria-busy");
    }
  }

  function countText(mode, page) {
    if (!page.items.length) return t("results.empty");
    const n = page.total_exact ? formatNumber(page.total)
      : t("results.atLeast", {n: formatNumber(page.total)});
    const parts = [];
    if (page.text_match === "corrected" && page.corrected_q) {
      parts.push(t("results.corrected", {q: page.corrected_q}) + ". ");
    } else if (page.text_match === "similar") {
      parts.push(t("results.similar") + " ");
    }
    if (mode === "near" && travelMinutes()) {
      parts.push(t("results.countNearTime", {n, m: travelMinutes()}));
    } else if (mode === "near") {
      parts.push(t("results.countNear", {n, r: distanceText(state.radius)}));
    } else if (mode === "search") {
      parts.push(t("results.countSearch", {n}));
    } else {
      parts.push(t("results.countView", {n}));
    }
    return parts.join("");
  }

  function itemKey(item) {
    return item.vacancy_id + ":" + item.site.id;
  }

  function renderList(append) {
    const list = $("results-list");
    if (!append) list.replaceChildren();
    const start = append ? list.children.length : 0;
    listedItems.slice(start).forEach((item, offset) => {
      const index = start + offset;
      const meta = [item.employer.name, item.site.commune && item.site.commune.name]
        .filter(Boolean).join(" · ");
      const money = item.salary ? monthlyText(item.salary.monthly_min, item.salary.monthly_max)
        : t("salary.unspecified");
      const extra = [money];
      if (item.travel_s != null) {
        extra.unshift(durationText(item.travel_s) + " · " + distanceText(item.travel_m));
      } else if (item.distance_m != null) {
        extra.unshift(distanceText(item.distance_m));
      }
      const button = el("button", {type: "button", "data-key": itemKey(item)},
        el("span", {class: "title", text: item.title}),
        el("span", {class: "meta", text: meta}),
        el("span", {class: "meta", text: extra.join(" · ")}));
      button.style.setProperty("--group",
        GROUP_COLOURS[(item.occupation_code || "")[0]] || OTHER_COLOUR);
      button.addEventListener("click", () => showResult(index));
      button.addEventListener("mouseenter", () => highlight(index));
      button.addEventListener("focus", () => highlight(index));
      list.append(el("li", {}, button));
    });
    $("more").hidden = !nextCursor || !listedItems.length;
    drawResults();
  }

  // Near a point or for a search, every listed vacancy is marked; listing the view, the
  // clusters already show them, so only the one in focus is.
  function drawResults(only = null) {
    const source = map.getSource("results");
    if (!source) return;
    const marked = listMode === "view" ? (only == null ? [] : [only]) : listedItems.keys();
    source.setData({
      type: "FeatureCollection",
      features: [...marked].map((index) => ({
        type: "Feature",
        id: index,
        geometry: {type: "Point", coordinates: [listedItems[index].site.lon,
          listedItems[index].site.lat]},
        properties: {index, group: (listedItems[index].occupation_code || "")[0] || ""},
      })),
    });
    activeResult = null;
  }

  function highlight(index) {
    if (listMode === "view") drawResults(index);
    if (activeResult != null) {
      map.setFeatureState({source: "results", id: activeResult}, {active: false});
    }
    activeResult = index;
    if (index != null) map.setFeatureState({source: "results", id: index}, {active: true});
    for (const button of $("results-list").querySelectorAll("button")) {
      button.removeAttribute("aria-current");
    }
    const item = listedItems[index];
    if (item) {
      const button = $("results-list").querySelector(`[data-key="${itemKey(item)}"]`);
      if (button) button.setAttribute("aria-current", "true");
    }
  }

  function showResult(index) {
    const item = listedItems[index];
    if (!item) return;
    highlight(index);
    const at = sitePoint(item);
    map.easeTo({center: at, zoom: Math.max(map.getZoom(), 14), duration: 500});
    openCard(item.vacancy_id, at);
  }

  // A site clicked on the map: its list entry takes the focus when it is listed (the card
  // then opens without taking it, and Escape returns to the entry); else the card takes it.
  function openSite(siteId, vacancyId, at) {
    const listed = focusListed(siteId);
    if (listed) cardReturnFocus = document.activeElement;
    // On a phone the card covers the list: it takes the focus itself.
    openCard(vacancyId, at, {focus: !listed || phoneLayout.matches});
  }

  // ---- The matches on the map ------------------------------------------------------------------

  function sitePoint(item) {
    return [item.site.lon, item.site.lat];
  }

  // Listed matches the view does not show. Listing the view, there are none by definition.
  function listedOutside() {
    if (!map || !["near", "search"].includes(listMode)) return [];
    const bounds = map.getBounds();
    return listedItems.filter((item) => !bounds.contains(sitePoint(item)));
  }

  function pointsBounds(points) {
    const lons = points.map((c) => c[0]);
    const lats = points.map((c) => c[1]);
    return [[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]];
  }

  function fitPoints(points) {
    if (!points.length) return;
    map.fitBounds(pointsBounds(points), {padding: 48, maxZoom: 15, duration: 600});
  }

  function fitListed() {
    fitPoints(listedItems.map(sitePoint));
  }

  // After a search or a filter change the map shows the matches: it fits them when none is
  // in view; when some are, a notice offers to (updateOutside).
  function showMatches() {
    if (listMode === "view" && !listedItems.length) {
      findMatchesElsewhere();
      return;
    }
    if (listedItems.length && listedOutside().length === listedItems.length) fitListed();
    else updateOutside();
  }

  // Listing the view, a filter that leaves nothing in it: the view moves to where the
  // filter's matches are (its moveend then lists them).
  async function findMatchesElsewhere() {
    const params = filterParams();
    params.set("limit", String(PAGE_SIZE));
    try {
      const response = await fetch("/v1/vacancies?" + params);
      if (!response.ok) return;
      const page = await response.json();
      if (listMode === "view" && !listedItems.length) {
        fitPoints(page.items.map(sitePoint));
      }
    } catch (_) { /* the list already says there is nothing in view */ }
  }

  function updateOutside() {
    const count = listedOutside().length;
    $("outside").hidden = count === 0;
    $("outside-text").textContent = t("outside.count", {n: formatNumber(count)});
  }

  // A site chosen on the map: its entry in the list is scrolled into view, marked and
  // focused. False when the site is not listed.
  function focusListed(siteId) {
    const index = listedItems.findIndex((item) => item.site.id === siteId);
    if (index < 0) return false;
    const button = $("results-list").querySelector(`[data-key="${itemKey(listedItems[index])}"]`);
    if (!button) return false;
    revealList();
    highlight(index);
    button.scrollIntoView({block: "nearest"});
    button.focus({preventScroll: true});
    return true;
  }

  // ---- Phones: the results sheet and the filters sheet ------------------------------------------

  const phoneLayout = window.matchMedia("(max-width: 700px)");
  const SHEETS = ["peek", "half", "full"];
  // A finger or mouse on the handle acts when it lifts (see dragSheet). The click the browser
  // may send after it is swallowed wherever it lands: the sheet has moved by then, and it would
  // open whatever card is now under the finger. Clicks with no pointer before them (Enter,
  // Space, assistive technology) reach the handle and cycle.
  let swallowClickUntil = 0;

  function swallowStrayClick(event) {
    if (performance.now() >= swallowClickUntil) return;
    swallowClickUntil = 0;
    event.preventDefault();
    event.stopPropagation();
  }

  function setSheet(name) {
    $("layout").dataset.sheet = name;
    $("sheet-handle").setAttribute("aria-label", t("sheet.handle", {state: t("sheet." + name)}));
    if (map) map.resize(); // the map's bottom edge is the sheet's top
  }

  // A tap (or Enter) on the handle: peek, half, full, and round again.
  function cycleSheet() {
    const current = SHEETS.indexOf($("layout").dataset.sheet);
    setSheet(SHEETS[(current + 1) % SHEETS.length]);
  }

  // Results the user asked for are at least half the screen.
  function revealList() {
    if (phoneLayout.matches && $("layout").dataset.sheet === "peek") setSheet("half");
  }

  // The sheet follows the finger (only the sheet: the map is resized once, when it snaps to
  // the nearest of the three heights). A tap is read from the pointer too, not from the click:
  // Chromium drops the click of a tap that comes a moment after a flick of the sheet.
  function dragSheet(event) {
    if (!phoneLayout.matches || !event.isPrimary) return;
    const handle = $("sheet-handle");
    const panel = $("panel");
    const layoutHeight = $("layout").clientHeight;
    const startY = event.clientY;
    const startHeight = panel.getBoundingClientRect().height;
    let moved = false;
    const heightAt = (y) => Math.min(Math.max(startHeight + startY - y, 44), layoutHeight - 48);
    const move = (e) => {
      if (!moved && Math.abs(e.clientY - startY) < 8) return;
      moved = true;
      panel.style.setProperty("--sheet-height", heightAt(e.clientY) + "px");
    };
    const end = (e) => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", end);
      handle.removeEventListener("pointercancel", end);
      panel.style.removeProperty("--sheet-height");
      if (e.type === "pointercancel") return;
      swallowClickUntil = performance.now() + 1000;
      if (!moved) {
        cycleSheet();
        return;
      }
      const height = heightAt(e.clientY);
      const heights = {peek: 152, half: layoutHeight / 2, full: layoutHeight - 48};
      setSheet(SHEETS.reduce((best, name) =>
        Math.abs(heights[name] - height) < Math.abs(heights[best] - height) ? name : best));
    };
    handle.setPointerCapture(event.pointerId);
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", end);
    handle.addEventListener("pointercancel", end);
  }

  function filtersOpen() {
    return $("layout").dataset.filters === "open";
  }

  function openFilters() {
    $("layout").dataset.filters = "open";
    $("filters-toggle").setAttribute("aria-expanded", "true");
    $("filters-heading").focus();
  }

  // `returnFocus`: back to the toggle, unless the sheet closes for the map (near me).
  function closeFilters(returnFocus) {
    if (!filtersOpen()) return;
    delete $("layout").dataset.filters;
    $("filters-toggle").setAttribute("aria-expanded", "false");
    if (returnFocus) $("filters-toggle").focus();
  }

  // ---- The vacancy card -----------------------------------------------------------------------

  // The way from the chosen point to the site by motorbike, along the streets: its time and
  // length on the card, its line on the map.
  async function showRoute(vacancyId, site, text) {
    if (routeRequest) routeRequest.abort();
    const request = new AbortController();
    routeRequest = request;
    const params = new URLSearchParams({near: state.near.join(","), travel_mode: "motorbike",
      site: String(site.id)});
    try {
      const response = await fetch(
        "/v1/vacancies/" + encodeURIComponent(vacancyId) + "/route?" + params,
        {signal: request.signal});
      if (!response.ok) throw new Error(String(response.status));
      const route = await response.json();
      if (request !== routeRequest) return;
      const found = route.properties;
      if (!route.geometry) {
        text.textContent = t("card.route." + found.reason);
        return;
      }
      text.textContent = durationText(found.travel_s) + " · " + distanceText(found.travel_m);
      map.getSource("route").setData(route);
    } catch (error) {
      if (error.name !== "AbortError") text.textContent = t("card.route.failed");
    }
  }

  function clearRoute() {
    if (routeRequest) routeRequest.abort();
    routeRequest = null;
    const source = map && map.getSource("route");
    if (source) source.setData({type: "FeatureCollection", features: []});
  }

  function closeCard() {
    clearRoute();
    $("card").hidden = true;
    state.vacancy = null;
    writeUrl();
    if (cardReturnFocus && document.contains(cardReturnFocus)) cardReturnFocus.focus();
    cardReturnFocus = null;
  }

  async function openCard(vacancyId, at, {focus = true} = {}) {
    clearRoute();
    state.vacancy = vacancyId;
    writeUrl();
    const card = $("card");
    const body = $("card-body");
    if (card.hidden && focus) cardReturnFocus = document.activeElement;
    card.hidden = false;
    revealList(); // on a phone the card takes the sheet's place
    card.setAttribute("aria-busy", "true");
    body.replaceChildren(el("p", {id: "card-title", text: t("card.loading")}));
    let vacancy = null;
    try {
      const response = await fetch("/v1/vacancies/" + encodeURIComponent(vacancyId));
      if (response.ok) vacancy = await response.json();
    } catch (_) { /* shown as gone below */ }
    if (state.vacancy !== vacancyId) return;
    card.removeAttribute("aria-busy");
    if (!vacancy || vacancy.status !== "open") {
      body.replaceChildren(el("p", {id: "card-title", text: t("card.gone")}));
      return;
    }
    renderCard(vacancy, at, focus);
  }

  function nearestSite(vacancy, at) {
    const target = at || state.near;
    if (!target || !vacancy.sites.length) return vacancy.sites[0];
    return vacancy.sites.reduce((best, site) =>
      metresBetween(target, [site.lon, site.lat]) < metresBetween(target, [best.lon, best.lat])
        ? site : best);
  }

  function renderCard(vacancy, at, focus) {
    const site = nearestSite(vacancy, at);
    const rows = [];
    const row = (label, ...value) => rows.push(el("dt", {text: t(label)}), el("dd", {}, ...value));
    row("card.employer", vacancy.employer.name);
    row("card.salary", salaryText(vacancy.salary));
    row("card.positions", t("positions.n", {n: formatNumber(vacancy.positions)}));
    if (site) {
      const place = [site.address, site.commune && site.commune.name].filter(Boolean).join(", ");
      row("card.where", place || "—");
    }
    row("card.distance", state.near && site
      ? distanceText(metresBetween(state.near, [site.lon, site.lat]))
      : el("span", {class: "hint", text: t("card.noDistance")}));
    if (state.near && site && streetsLoaded) {
      const routeText = el("span", {id: "card-route", text: t("card.routeLoading")});
      row("card.route", routeText);
      showRoute(vacancy.id, site, routeText);
    }
    const contact = [vacancy.contact.name];
    if (vacancy.contact.phone) {
      contact.push(el("br"), el("a", {href: "tel:" + vacancy.contact.phone.replace(/[^0-9+]/g, ""),
        text: vacancy.contact.phone}));
    }
    if (vacancy.contact.email) {
      contact.push(el("br"), el("a", {href: "mailto:" + vacancy.contact.email,
        text: vacancy.contact.email}));
    }
    row("card.contact", ...contact);
    row("card.validUntil", formatDate(vacancy.valid_through));

    const details = el("div", {class: "details", id: "card-details", hidden: true},
      el("h4", {text: t("card.description")}), el("p", {text: vacancy.description}));
    const requirements = requirementLines(vacancy.requirements || {});
    if (requirements.length) {
      details.append(el("h4", {text: t("card.requirements")}),
        el("ul", {}, ...requirements.map((line) => el("li", {text: line}))));
    }
    const toggle = el("button", {type: "button", "aria-expanded": "false",
      "aria-controls": "card-details", text: t("card.details")});
    toggle.addEventListener("click", () => {
      const open = details.hidden;
      details.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = t(open ? "card.hide" : "card.details");
    });
    const share = new URL(window.location.href);
    share.search = "";
    share.searchParams.set("vacancy", vacancy.id);
    if (window.I18N.lang !== "vi") share.searchParams.set("lang", window.I18N.lang);
    if (site) share.hash = `#15/${site.lat.toFixed(5)}/${site.lon.toFixed(5)}`;
    const title = el("h3", {id: "card-title", tabindex: "-1", text: vacancy.title});
    const shareButton = el("button", {type: "button", text: t("card.share")});
    shareButton.addEventListener("click", () => shareLink(vacancy.title, share.href));
    const actions = el("div", {class: "actions"}, toggle);
    if (site) {
      actions.append(el("a", {class: "button-link", href: directionsUrl(site, vacancy.title),
        target: "_blank", rel: "noopener noreferrer", text: t("card.directions")}));
    }
    actions.append(shareButton, el("a", {class: "card-link",
      href: share.pathname + share.search + share.hash, text: t("card.link")}));
    $("card-body").replaceChildren(
      title,
      el("dl", {}, ...rows),
      actions,
      el("p", {id: "share-status", class: "hint", role: "status"}),
      details);
    if (focus) title.focus({preventScroll: true});
  }

  // The way there, outside the service (the only links that leave it): on a phone the map
  // app through a geo: URI; on a desktop OpenStreetMap's directions, from the chosen point
  // when there is one.
  function directionsUrl(site, title) {
    const to = `${site.lat.toFixed(6)},${site.lon.toFixed(6)}`;
    if (window.matchMedia("(pointer: coarse)").matches) {
      return `geo:${to}?q=${to}(${encodeURIComponent(title)})`;
    }
    const from = state.near ? `${state.near[1].toFixed(6)},${state.near[0].toFixed(6)}` : "";
    return "https://www.openstreetmap.org/directions?" +
      new URLSearchParams({route: from + ";" + to});
  }

  // The system's share sheet where the browser has one, else the clipboard.
  async function shareLink(title, url) {
    const status = $("share-status");
    if (navigator.share) {
      try {
        await navigator.share({title, url});
        return;
      } catch (error) {
        if (error.name === "AbortError") return; // the user closed the sheet
      }
    }
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = t("card.copied");
    } catch (_) {
      status.textContent = t("card.copyFailed");
    }
  }

  function requirementLines(requirements) {
    const lines = [];
    if (requirements.education_level) {
      lines.push(t("req.education", {v: t("education." + requirements.education_level)}));
    }
    if (requirements.experience_years) {
      lines.push(t("req.experience", {v: requirements.experience_years}));
    }
    if (requirements.age_min || requirements.age_max) {
      lines.push(t("req.age", {v: [requirements.age_min || "", requirements.age_max || ""]
        .join("–")}));
    }
    return lines;
  }

  // ---- The map --------------------------------------------------------------------------------

  const BASEMAP_ATTRIBUTION =
    "Ranh giới xã: <a href=\"https://github.com/thanglequoc/vietnamese-provinces-database\">" +
    "vietnamese-provinces-database</a> (MIT), theo Bản đồ đơn vị hành chính " +
    "<a href=\"https://sapnhap.bando.com.vn\">sapnhap.bando.com.vn</a>";

  const CLUSTER_BORDER = 2; // pixels, inside the radius the tile gives

  function groupColour() {
    const match = ["match", ["get", "occupation_group"]];
    for (const [group, colour] of Object.entries(GROUP_COLOURS)) match.push(group, colour);
    match.push(OTHER_COLOUR);
    return match;
  }

  function style() {
    return {
      version: 8,
      // No "glyphs": labels are drawn by the browser from its own fonts, so no font server.
      sources: {
        communes: {type: "geojson", data: "/v1/areas?level=commune&geometry=simplified",
          attribution: BASEMAP_ATTRIBUTION},
        "commune-labels": {type: "geojson", data: "/v1/areas?level=commune&geometry=point"},
        vacancies: {type: "vector", url: tileJsonUrl()},
        near: {type: "geojson", data: {type: "FeatureCollection", features: []}},
        results: {type: "geojson", data: {type: "FeatureCollection", features: []}},
        route: {type: "geojson", data: {type: "FeatureCollection", features: []}},
      },
      layers: [
        {id: "water", type: "background", paint: {"background-color": "#cfe3f0"}},
        {id: "land", type: "fill", source: "communes", paint: {"fill-color": "#f3f1ea"}},
        {id: "commune-borders", type: "line", source: "communes",
          paint: {"line-color": "#b3a891",
            "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.4, 14, 1.6]}},
        {id: "commune-names", type: "symbol", source: "commune-labels", minzoom: 9.5,
          layout: {"text-field": ["get", "name"], "text-font": ["sans-serif"],
            "text-size": ["interpolate", ["linear"], ["zoom"], 10, 11, 14, 14]},
          paint: {"text-color": "#6f6550", "text-halo-color": "#ffffff", "text-halo-width": 1.2}},
        {id: "near-area", type: "fill", source: "near",
          filter: ["match", ["geometry-type"], ["Polygon", "MultiPolygon"], true, false],
          paint: {"fill-color": "#1d6fb8", "fill-opacity": 0.08,
            "fill-outline-color": "#1d6fb8"}},
        {id: "clusters", type: "circle", source: "vacancies", "source-layer": "vacancies",
          filter: ["has", "count"],
          // The tile says how large each symbol is drawn (border included) and places it
          // so that none overlaps another; the count is written in Vietnamese ("1,2 N").
          // A single site is a pin in its occupation group's colour, as from zoom 16.
          paint: {"circle-color": ["case", ["==", ["get", "count"], 1], groupColour(), "#1d6fb8"],
            "circle-opacity": 0.85,
            "circle-stroke-color": "#ffffff", "circle-stroke-width": CLUSTER_BORDER,
            "circle-radius": ["-", ["get", "radius"], CLUSTER_BORDER]}},
        {id: "cluster-counts", type: "symbol", source: "vacancies", "source-layer": "vacancies",
          filter: ["all", ["has", "count"], [">", ["get", "count"], 1]],
          layout: {"text-font": ["sans-serif"], "text-size": 12, "text-allow-overlap": true,
            "text-field": ["get", "label"]},
          paint: {"text-color": "#ffffff"}},
        {id: "sites", type: "circle", source: "vacancies", "source-layer": "vacancies",
          filter: ["!", ["has", "count"]],
          paint: {"circle-color": groupColour(), "circle-radius": 7,
            "circle-stroke-color": "#ffffff", "circle-stroke-width": 2}},
        {id: "route-line", type: "line", source: "route",
          layout: {"line-cap": "round", "line-join": "round"},
          paint: {"line-color": "#6a3d9a", "line-width": 5, "line-opacity": 0.85}},
        {id: "result-points", type: "circle", source: "results",
          paint: {"circle-color": "#ffffff", "circle-radius":
            ["case", ["boolean", ["feature-state", "active"], false], 9, 6],
          "circle-stroke-width": ["case", ["boolean", ["feature-state", "active"], false], 4, 3],
          "circle-stroke-color": ["match", ["get", "group"],
            ...Object.entries(GROUP_COLOURS).flat(), OTHER_COLOUR]}},
        {id: "near-point", type: "circle", source: "near", filter: ["==", ["geometry-type"], "Point"],
          paint: {"circle-color": "#d7301f", "circle-radius": 7, "circle-stroke-color": "#ffffff",
            "circle-stroke-width": 2}},
      ],
    };
  }

  // Streets from OpenStreetMap, between the land and the commune borders, when an operator
  // has loaded them (`jobmap osm load`); without them the commune basemap stays as it is.
  // MapLibre credits "© OpenStreetMap contributors" from the TileJSON's attribution.
  const STREETS_URL = "/v1/tiles/basemap.json";
  const ROAD_COLOURS = ["match", ["get", "class"],
    ["motorway", "motorway_link", "trunk", "trunk_link"], "#f0a868",
    ["primary", "primary_link"], "#f6cf7e",
    ["secondary", "secondary_link", "tertiary", "tertiary_link"], "#fbeab8",
    ["footway", "path", "steps", "pedestrian", "cycleway", "track"], "#d9cfbd",
    "#ffffff"];
  const ROAD_WIDTHS = ["match", ["get", "class"],
    ["motorway", "trunk", "primary"], 1.6, ["secondary", "tertiary"], 1.2,
    ["footway", "path", "steps", "cycleway", "track"], 0.5, 0.9];
  const STREET_LAYERS = [
    {id: "street-water", type: "fill", "source-layer": "water",
      filter: ["==", ["geometry-type"], "Polygon"], paint: {"fill-color": "#cfe3f0"}},
    {id: "street-waterways", type: "line", "source-layer": "water",
      filter: ["==", ["geometry-type"], "LineString"],
      paint: {"line-color": "#b5d3e8",
        "line-width": ["interpolate", ["linear"], ["zoom"], 8, 1, 16, 6]}},
    {id: "street-landuse", type: "fill", "source-layer": "landuse",
      filter: ["==", ["geometry-type"], "Polygon"],
      paint: {"fill-color": ["match", ["get", "kind"], "industrial", "#ebe3f1", "#f8e6d2"]}},
    {id: "street-roads", type: "line", "source-layer": "roads",
      filter: ["!=", ["get", "class"], "ferry"],
      layout: {"line-cap": "round", "line-join": "round"},
      paint: {"line-color": ROAD_COLOURS,
        "line-width": ["interpolate", ["exponential", 1.6], ["zoom"],
          8, ["*", ROAD_WIDTHS, 0.6], 16, ["*", ROAD_WIDTHS, 8]]}},
    {id: "street-ferries", type: "line", "source-layer": "roads",
      filter: ["==", ["get", "class"], "ferry"],
      paint: {"line-color": "#5b8fc7", "line-width": 1.5, "line-dasharray": [3, 2]}},
  ];

  async function addStreets() {
    try {
      const response = await fetch(STREETS_URL);
      if (!response.ok || !(await response.json())["x-loaded"]) return;
    } catch (_) {
      return;
    }
    map.addSource("streets", {type: "vector", url: STREETS_URL});
    for (const layer of STREET_LAYERS) map.addLayer({...layer, source: "streets"}, "commune-borders");
    offerTravelTimes();
  }

  // With streets to travel on, "Gần tôi" offers minutes by motorbike as well as kilometres;
  // a link that asked for minutes gets them now.
  function offerTravelTimes() {
    streetsLoaded = true;
    const group = el("optgroup", {label: t("near.byTime")});
    for (const minutes of TRAVEL_MINUTES) {
      group.append(el("option", {value: "min" + minutes, text: t("near.minutes", {m: minutes})}));
    }
    $("radius").append(group);
    if (state.minutes) {
      $("radius").value = "min" + state.minutes;
      if (state.near) {
        drawNear({fit: !linkHasView});
        loadResults(false);
      }
    }
  }

  async function startMap() {
    let bounds = null;
    try {
      const response = await fetch(tileJsonUrl());
      if (response.ok) bounds = (await response.json()).bounds;
      dataBounds = bounds;
    } catch (_) { /* the map starts on the whole world */ }
    maplibregl.setWorkerUrl("/static/vendor/maplibre-gl-5.24.1/maplibre-gl-csp-worker.js");
    map = new maplibregl.Map({
      container: "map",
      style: style(),
      bounds: bounds ? [[bounds[0], bounds[1]], [bounds[2], bounds[3]]] : undefined,
      fitBoundsOptions: {padding: 20},
      hash: true,
      maxZoom: 19,
      attributionControl: {compact: true},
      cooperativeGestures: false,
    });
    window.jobMap = map; // for the end-to-end tests and for debugging in the console
    map.addControl(new maplibregl.NavigationControl({showCompass: false}), "top-left");
    map.addControl(new maplibregl.ScaleControl({unit: "metric"}), "bottom-right");

    map.on("error", (event) => {
      if (!map.isStyleLoaded()) $("map-status").textContent = t("map.failed");
      console.warn("map:", event.error && event.error.message);
    });
    map.once("load", () => {
      $("map-status").textContent = "";
      addStreets();
      collapseAttributionOnPhones();
      drawNear({fit: Boolean(state.near) && !linkHasView});
      // A link with a search but no view shows its matches, as a search does.
      loadResults(false, {show: Boolean(state.q) && !linkHasView && !state.vacancy});
      if (state.vacancy) openCard(state.vacancy, null).then(centreOnCard);
    });
    map.on("moveend", debounce(() => {
      if (!state.near && !state.q) loadResults(false);
      else updateOutside();
    }, 300));

    map.on("click", "clusters", (event) => {
      const feature = event.features[0];
      map.easeTo({center: feature.geometry.coordinates,
        zoom: Math.max(feature.properties.expansion_zoom, map.getZoom() + 1), duration: 600});
    });
    map.on("click", "sites", (event) => {
      // A listed site is also a result point, which has its own handler.
      if (map.queryRenderedFeatures(event.point, {layers: ["result-points"]}).length) return;
      const feature = event.features[0];
      openSite(feature.properties.id, feature.properties.vacancy_id, feature.geometry.coordinates);
    });
    map.on("click", "result-points", (event) => {
      const item = listedItems[event.features[0].properties.index];
      if (item) openSite(item.site.id, item.vacancy_id, sitePoint(item));
    });
    map.on("click", (event) => {
      if (!pickMode) return;
      setNear([event.lngLat.lng, event.lngLat.lat]);
    });
    for (const layer of CLICKABLE) {
      map.on("mouseenter", layer, () => { if (!pickMode) map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", layer, () => { if (!pickMode) map.getCanvas().style.cursor = ""; });
    }
  }

  // Credits stay one tap away on a phone instead of covering a third of the map.
  function collapseAttributionOnPhones() {
    const attribution = map.getContainer().querySelector(".maplibregl-ctrl-attrib");
    if (!attribution || map.getContainer().offsetWidth > 640) return;
    attribution.classList.remove("maplibregl-compact-show");
    attribution.removeAttribute("open");
  }

  // A link to a vacancy without a map position opens on its site.
  function centreOnCard() {
    if (linkHasView || !state.vacancy) return;
    const link = $("card-body").querySelector(".actions a.card-link");
    const match = link && /#15\/([-0-9.]+)\/([-0-9.]+)$/.exec(link.getAttribute("href"));
    if (match) map.jumpTo({center: [Number(match[2]), Number(match[1])], zoom: 15});
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // ---- Start ----------------------------------------------------------------------------------

  function start() {
    apply(document);
    document.title = t("app.title");
    buildFilters();
    buildLegend();
    $("clear-near").hidden = !state.near;
    $("lang").addEventListener("click", switchLanguage);
    $("search").addEventListener("submit", (event) => {
      event.preventDefault();
      if (phoneLayout.matches) {
        $("q").blur(); // the on-screen keyboard goes, the list comes up
        revealList();
      }
      filtersChanged();
    });
    for (const id of ["occupation", "employment", "salary", "posted"]) {
      $(id).addEventListener("change", filtersChanged);
    }
    $("reset").addEventListener("click", () => {
      $("q").value = "";
      for (const id of ["occupation", "employment", "salary", "posted"]) $(id).value = "";
      filtersChanged();
    });
    $("locate").addEventListener("click", locate);
    $("pick").addEventListener("click", () => {
      closeFilters(false);
      setPickMode(!pickMode);
    });
    $("clear-near").addEventListener("click", () => setNear(null));
    $("radius").addEventListener("change", () => {
      const value = $("radius").value;
      if (value.startsWith("min")) {
        state.minutes = Number(value.slice(3));
      } else {
        state.minutes = 0;
        state.radius = Number(value);
      }
      writeUrl();
      drawNear({fit: Boolean(state.near)});
      if (state.near) loadResults(false);
    });
    $("more").addEventListener("click", () => loadResults(true));
    $("outside-show").addEventListener("click", fitListed);
    $("legend-toggle").addEventListener("click", toggleLegend);
    $("card-close").addEventListener("click", closeCard);
    $("filters-toggle").addEventListener("click", openFilters);
    $("filters-done").addEventListener("click", () => closeFilters(true));
    $("sheet-handle").addEventListener("pointerdown", dragSheet);
    $("sheet-handle").addEventListener("click", cycleSheet);
    // A new touch or press means any click after it is its own.
    document.addEventListener("pointerdown", () => { swallowClickUntil = 0; }, true);
    document.addEventListener("click", swallowStrayClick, true);
    setSheet($("layout").dataset.sheet);
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      if (pickMode) setPickMode(false);
      else if (filtersOpen()) closeFilters(true);
      else if (!$("card").hidden) closeCard();
    });
    if (typeof maplibregl === "undefined") {
      $("map-status").textContent = t("map.failed");
      return;
    }
    startMap();
  }

  start();
})();
