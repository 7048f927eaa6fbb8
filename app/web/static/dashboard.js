/* The department dashboard. The page holds no figures: they come from the statistics API with
   the department key typed in, kept in this tab's sessionStorage only (gone when it closes). */
(function () {
  "use strict";

  const {t, apply, formatNumber, formatDecimal, switchLanguage, lang} = window.I18N;
  const $ = (id) => document.getElementById(id);
  const KEY_STORAGE = "jobmap.departmentKey";
  const PERIODS = [["Q1", "03-31"], ["H1", "06-30"], ["9M", "09-30"], ["FY", "12-31"]];
  const TABLES = {
    month: "month,destination",
    area: "area",
    sex_age: "sex,age_group",
    occupation: "occupation_major",
    destination: "destination,destination_country",
  };
  // Sequential blues for the choropleth (light = few people).
  const CLASS_COLOURS = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  // The choropleth by attention: a unit's first reason (app/stats/attention.py's order).
  const ATTENTION_COLOURS = {behind_plan: "#d7301f", fewer_than_last_year: "#fc8d59",
    few_via_job_map: "#fdd49e", none: "#edf3e8"};

  let key = null;
  let chart = null;
  let demandChart = null;
  let choropleth = null;
  let shown = null; // the period and the attention report the choropleth was drawn for
  let programmes = null; // the list (a promise), loaded once
  let programmeRequest = 0;

  // ---- Talking to the API ---------------------------------------------------------------------

  class Rejected extends Error {}

  async function api(path) {
    const response = await fetch(path, {headers: {Authorization: "Bearer " + key}});
    if (response.status === 401 || response.status === 403) throw new Rejected(String(response.status));
    if (!response.ok) throw new Error(path + ": " + response.status);
    return response;
  }

  function today() {
    // The service's days are Vietnam's.
    return new Intl.DateTimeFormat("en-CA", {timeZone: "Asia/Ho_Chi_Minh"}).format(new Date());
  }

  // ---- Sign in --------------------------------------------------------------------------------

  async function signIn(candidate) {
    key = candidate;
    try {
      await api("/v1/stats/indicators?year=" + today().slice(0, 4));
    } catch (error) {
      key = null;
      $("sign-in-error").textContent = error instanceof Rejected ? t("dash.keyRejected")
        : t("results.error");
      return false;
    }
    try { window.sessionStorage.setItem(KEY_STORAGE, candidate); } catch (_) { /* private mode */ }
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
    $("sign-in-error").textContent = "";
    show();
    return true;
  }

  function signOut() {
    try { window.sessionStorage.removeItem(KEY_STORAGE); } catch (_) { /* private mode */ }
    window.location.reload();
  }

  // ---- The period -----------------------------------------------------------------------------

  function buildPeriodChoices() {
    const thisYear = Number(today().slice(0, 4));
    const params = new URLSearchParams(window.location.search);
    const year = $("year");
    for (let y = thisYear; y >= thisYear - 5; y -= 1) {
      year.append(new Option(String(y), String(y)));
    }
    if (/^[0-9]{4}$/.test(params.get("year") || "")) year.value = params.get("year");
    if (!year.value) year.value = String(thisYear);
    const through = $("through");
    for (const [code, day] of PERIODS) through.append(new Option(t("period." + code), day));
    through.value = /^[0-9]{2}-[0-9]{2}$/.test(params.get("through") || "")
      ? params.get("through") : "06-30";
    if (!through.value) through.value = "06-30";
  }

  function period() {
    const year = Number($("year").value);
    const through = `${year}-${$("through").value}`;
    const end = through < today() ? through : today();
    return {year, from: `${year}-01-01`, through, end};
  }

  function rememberPeriod() {
    const url = new URL(window.location.href);
    url.searchParams.set("year", $("year").value);
    url.searchParams.set("through", $("through").value);
    window.history.replaceState(null, "", url);
  }

  // ---- Indicator cards ------------------------------------------------------------------------

  function value(number, unit) {
    if (number == null) return "—";
    return unit === "percent" ? formatDecimal(number) + "%" : formatNumber(number);
  }

  function indicatorCard(item) {
    const name = lang === "vi" ? item.name_vi : item.name_en || item.name_vi;
    const card = document.createElement("article");
    card.className = "indicator";
    card.dataset.indicator = item.indicator;
    const heading = document.createElement("h3");
    heading.textContent = name;
    const actual = document.createElement("p");
    actual.className = "actual";
    actual.textContent = value(item.actual, item.unit) +
      (item.unit === "people" && item.actual != null ? " " + t("dash.people") : "");
    card.append(heading, actual);
    if (item.pct_of_plan != null) {
      const pct = document.createElement("p");
      pct.className = "pct";
      pct.textContent = formatDecimal(item.pct_of_plan) + "% " + t("dash.pctOfPlan").replace("% ", "");
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.setAttribute("role", "presentation");
      const fill = document.createElement("span");
      fill.style.width = Math.min(100, item.pct_of_plan) + "%";
      bar.append(fill);
      card.append(pct, bar);
    }
    const facts = document.createElement("dl");
    const fact = (label, text, className) => {
      const dt = document.createElement("dt");
      dt.textContent = t(label);
      const dd = document.createElement("dd");
      dd.textContent = text;
      if (className) dd.className = className;
      dd.dataset.field = label;
      facts.append(dt, dd);
    };
    fact("dash.plan", item.plan == null ? t("dash.noPlan") : value(item.plan, item.unit));
    fact("dash.lastYear", value(item.same_period_last_year, item.unit));
    if (item.change_pct != null) {
      const sign = item.change_pct > 0 ? "+" : "";
      fact("dash.change", sign + formatDecimal(item.change_pct) + "%",
        item.change_pct > 0 ? "up" : item.change_pct < 0 ? "down" : "");
    }
    if (item.source === "placements") projectionFacts(item, fact);
    card.append(facts);
    return card;
  }

  // The year-end projection: the figure, its range and % of plan, and the past years behind
  // it (or why there is none).
  function projectionFacts(item, fact) {
    if (item.projected == null) {
      fact("dash.projected", t("dash." + item.projection_reason));
      return;
    }
    const range = item.projected_high == null
      ? t("dash.projectedOpen", {low: formatNumber(item.projected_low)})
      : t("dash.projectedRange", {low: formatNumber(item.projected_low),
        high: formatNumber(item.projected_high)});
    const pct = item.projected_pct_of_plan == null ? ""
      : " · " + formatDecimal(item.projected_pct_of_plan) + "% " +
        t("dash.pctOfPlan").replace("% ", "");
    fact("dash.projected", `${formatNumber(item.projected)} (${range})${pct}`);
    const years = item.projection_years;
    fact("dash.projectionBasis", t("dash.projectionYears", {count: years.length,
      years: years.join(", ")}));
  }

  async function showIndicators(report) {
    const box = $("indicators");
    box.replaceChildren(...report.indicators.map(indicatorCard));
    box.removeAttribute("aria-busy");
    $("period-label").textContent = t("dash.period.label", {
      from: window.I18N.formatDate(report.period_from + "T00:00:00+07:00"),
      to: window.I18N.formatDate(report.through + "T00:00:00+07:00"),
    });
  }

  // ---- Monthly chart --------------------------------------------------------------------------

  async function showMonthly(p, report) {
    const lastYear = p.year - 1;
    const [current, previous] = await Promise.all([
      api(`/v1/stats/placements?from=${p.from}&to=${p.end}&group_by=month,destination`),
      api(`/v1/stats/placements?from=${lastYear}-01-01&to=${lastYear}${p.through.slice(4)}` +
        "&group_by=month"),
    ].map((request) => request.then((r) => r.json())));
    const months = [...new Set(current.rows.map((row) => row.month))];
    const count = (month, destination) => {
      const row = current.rows.find((r) => r.month === month && r.destination === destination);
      return row ? row.people : 0;
    };
    const domestic = months.map((m) => count(m, "domestic"));
    const abroad = months.map((m) => count(m, "abroad"));
    const before = previous.rows.map((row) => row.people);
    const newJobs = report.indicators.find((item) => item.indicator === "new_jobs");
    const ahead = newJobs && newJobs.projected != null ? projectionLines(newJobs, p.year) : null;
    // With a projection the axis runs to December, where the range ends.
    const shown = ahead ? allMonths(p.year) : months;
    const labels = shown.map((m) => m.slice(5) + "/" + m.slice(0, 4));
    const data = {
      labels,
      datasets: [
        {type: "bar", label: t("dash.domestic"), data: domestic, backgroundColor: "#6baed6",
          stack: "people"},
        {type: "bar", label: t("dash.abroad"), data: abroad, backgroundColor: "#fd8d3c",
          stack: "people"},
        {type: "line", label: t("dash.lastYear"), data: before.slice(0, months.length),
          borderColor: "#525252", backgroundColor: "#525252", borderDash: [5, 4], tension: 0.2},
        ...(ahead ? ahead.datasets : []),
      ],
    };
    const scales = {x: {stacked: true}, y: {stacked: true, beginAtZero: true,
      ticks: {precision: 0, callback: (v) => formatNumber(v)}}};
    if (ahead) {
      // The year's total is another scale than a month's people: its own axis on the right.
      scales.year = {position: "right", beginAtZero: true, grid: {drawOnChartArea: false},
        title: {display: true, text: t("dash.yearTotal")},
        ticks: {precision: 0, callback: (v) => formatNumber(v)}};
    }
    if (chart) {
      chart.data = data;
      chart.options.scales = scales;
      chart.update();
    } else {
      chart = new Chart($("monthly"), {
        data,
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          scales,
          plugins: {legend: {position: "bottom"}},
          locale: window.I18N.locale,
        },
      });
    }
    $("monthly").setAttribute("aria-label", t("dash.monthly"));
    // The same figures as a table for screen readers.
    const table = $("monthly-table");
    table.replaceChildren();
    const head = table.insertRow();
    for (const text of ["", t("dash.domestic"), t("dash.abroad"), t("dash.lastYear")]) {
      head.insertCell().textContent = text;
    }
    labels.forEach((label, i) => {
      const row = table.insertRow();
      for (const text of [label, domestic[i] ?? "—", abroad[i] ?? "—", before[i] ?? "—"]) {
        row.insertCell().textContent = String(text);
      }
    });
    if (ahead) {
      const row = table.insertRow();
      row.insertCell().textContent = t("dash.projected");
      row.insertCell().textContent = ahead.text;
    }
  }

  function allMonths(year) {
    return Array.from({length: 12}, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`);
  }

  // The path from the year to date to the projected year-end and its range, on the right
  // axis: a point at the month the projection starts from, and December's low, projected and
  // high, joined by straight lines (the months between are not projected one by one).
  function projectionLines(item, year) {
    const from = Number(item.projection_from.slice(5, 7)) - 1;
    const line = (end) => allMonths(year).map((_, i) => i === from ? item.actual
      : i === 11 ? end : null);
    const high = item.projected_high ?? item.projected;
    const style = {type: "line", yAxisID: "year", spanGaps: true, pointRadius: 3, tension: 0};
    return {
      datasets: [
        {...style, label: t("dash.projected"), data: line(item.projected),
          borderColor: "#08519c", backgroundColor: "#08519c", borderDash: [6, 4]},
        {...style, label: t("dash.projectedHigh"), data: line(high),
          borderColor: "rgba(8, 81, 156, 0.35)", backgroundColor: "rgba(8, 81, 156, 0.12)",
          fill: "+1", pointRadius: 0},
        {...style, label: t("dash.projectedLow"), data: line(item.projected_low),
          borderColor: "rgba(8, 81, 156, 0.35)", backgroundColor: "rgba(8, 81, 156, 0.12)",
          pointRadius: 0},
      ],
      text: `${formatNumber(item.projected)} (${formatNumber(item.projected_low)}–` +
        `${item.projected_high == null ? "" : formatNumber(item.projected_high)})`,
    };
  }

  // ---- Choropleth -----------------------------------------------------------------------------

  function classBreaks(values) {
    const positive = values.filter((v) => v > 0).sort((a, b) => a - b);
    if (!positive.length) return [];
    const breaks = [];
    for (let i = 1; i < CLASS_COLOURS.length - 1; i += 1) {
      breaks.push(positive[Math.floor((positive.length - 1) * i / (CLASS_COLOURS.length - 2))]);
    }
    return [...new Set(breaks)];
  }

  // ---- Demand against supply ------------------------------------------------------------------

  async function showDemand(p) {
    const report = await api(`/v1/stats/demand?from=${p.from}&to=${p.end}` +
      "&group_by=occupation_group").then((response) => response.json());
    const rows = [...report.rows].filter((row) => row.code)
      .sort((a, b) => a.code.localeCompare(b.code));
    const ahead = new Map(report.outlook.map((item) => [item.code, item]));
    const labels = rows.map((row) => t("isco." + row.code));
    const data = {
      labels,
      datasets: [
        {label: t("dash.positionsPosted"), data: rows.map((r) => r.positions_posted),
          backgroundColor: "#fd8d3c"},
        {label: t("dash.placements"), data: rows.map((r) => r.placements),
          backgroundColor: "#6baed6"},
        {label: t("dash.expectedNext"), data: rows.map((r) =>
          ahead.get(r.code)?.expected_positions ?? null), backgroundColor: "#fdd0a2"},
      ],
    };
    const options = {responsive: true, maintainAspectRatio: false, animation: false,
      indexAxis: "y", plugins: {legend: {position: "bottom"}}, locale: window.I18N.locale,
      scales: {x: {beginAtZero: true, ticks: {precision: 0, callback: (v) => formatNumber(v)}}}};
    if (demandChart) {
      demandChart.data = data;
      demandChart.update();
    } else {
      demandChart = new Chart($("demand"), {type: "bar", data, options});
    }
    $("demand").setAttribute("aria-label", t("dash.demand"));
    // The figures, with the ratio and the outlook's error, as a table.
    const table = $("demand-table");
    table.replaceChildren();
    const head = table.insertRow();
    for (const text of ["", t("dash.positionsPosted"), t("dash.placements"), t("dash.ratio"),
      t("dash.expectedNext"), t("dash.backtest")]) {
      head.insertCell().textContent = text;
    }
    rows.forEach((row, i) => {
      const item = ahead.get(row.code);
      const cells = [labels[i], formatNumber(row.positions_posted), formatNumber(row.placements),
        row.demand_supply_ratio == null ? "—" : formatDecimal(row.demand_supply_ratio),
        item && item.expected_positions != null ? formatNumber(item.expected_positions) : "—",
        item && item.backtest_mape != null ? formatDecimal(item.backtest_mape) + " %" : "—"];
      const line = table.insertRow();
      line.dataset.code = row.code;
      for (const text of cells) line.insertCell().textContent = String(text);
    });
  }

  // ---- Places that need attention -------------------------------------------------------------

  async function showAttention(p) {
    const list = $("attention-list");
    list.setAttribute("aria-busy", "true");
    const report = await api(`/v1/stats/areas/attention?year=${p.year}&through=${p.through}`)
      .then((response) => response.json());
    list.replaceChildren();
    for (const unit of report.units.filter((u) => u.flags.length)) {
      const item = document.createElement("li");
      item.dataset.code = unit.code;
      const name = document.createElement("strong");
      name.textContent = unit.name;
      const reasons = unit.flags.map((flag) => t("attention." + flag.reason)).join("; ");
      const detail = document.createElement("div");
      detail.className = "hint";
      detail.textContent = unit.flags.map((flag) => flag.detail).join(" · ");
      item.append(name, ": " + reasons, detail);
      list.append(item);
    }
    if (!list.children.length) {
      const none = document.createElement("li");
      none.textContent = t("dash.noAttention");
      list.append(none);
    }
    list.removeAttribute("aria-busy");
    return report;
  }

  function attentionColour() {
    const match = ["match", ["get", "attention"]];
    for (const [reason, colour] of Object.entries(ATTENTION_COLOURS)) {
      if (reason !== "none") match.push(reason, colour);
    }
    match.push(ATTENTION_COLOURS.none);
    return match;
  }

  function drawAttentionLegend() {
    const legend = $("choropleth-legend");
    legend.replaceChildren();
    for (const [reason, colour] of Object.entries(ATTENTION_COLOURS)) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = colour;
      item.append(swatch, t("attention." + reason));
      legend.append(item);
    }
  }

  // Districts while there are any on `day` (before the 2025 reorganisation: the old communes
  // have no boundaries), otherwise communes: the areas' validity says, not a date written here.
  async function unitLevel(day) {
    const response = await fetch(`/v1/areas?level=district&at=${day}&geometry=none`);
    if (!response.ok) throw new Error("areas " + response.status);
    return (await response.json()).features.length ? "district" : "commune";
  }

  async function showChoropleth(p, attention) {
    shown = {p, attention};
    const level = await unitLevel(p.end);
    const [areas, totals] = await Promise.all([
      fetch(`/v1/areas?level=${level}&at=${p.end}`).then((r) => {
        if (!r.ok) throw new Error("areas " + r.status);
        return r.json();
      }),
      api(`/v1/stats/placements?from=${p.from}&to=${p.end}&group_by=area&area_level=${level}`)
        .then((r) => r.json()),
    ]);
    const people = new Map();
    for (const row of totals.rows) {
      if (row.area_code && (!row.area_valid_to || row.area_valid_to > p.end)) {
        people.set(row.area_code, row.people);
      }
    }
    const reasons = new Map(attention.units.map((unit) =>
      [unit.code, unit.flags.length ? unit.flags[0].reason : "none"]));
    for (const feature of areas.features) {
      feature.properties.people = people.get(feature.properties.code) ?? 0;
      feature.properties.attention = reasons.get(feature.properties.code) ?? "none";
    }
    const breaks = classBreaks([...people.values()]);
    // One colour when nobody was placed ("step" needs at least one break).
    let colour = breaks.length ? ["step", ["get", "people"], CLASS_COLOURS[0]] : CLASS_COLOURS[0];
    breaks.forEach((limit, i) => colour.push(limit, CLASS_COLOURS[i + 1]));
    $("choropleth-heading").textContent = t("dash.choropleth") +
      (level === "district" ? " – " + t("dash.choroplethDistricts") : "");
    if ($("choropleth-by").value === "attention") {
      colour = attentionColour();
      drawAttentionLegend();
    } else {
      drawLegend(breaks);
    }
    if (!choropleth) {
      maplibregl.setWorkerUrl("/static/vendor/maplibre-gl-5.24.1/maplibre-gl-csp-worker.js");
      choropleth = new maplibregl.Map({
        container: "choropleth",
        style: {version: 8, sources: {}, layers: [
          {id: "water", type: "background", paint: {"background-color": "#cfe3f0"}}]},
        bounds: bbox(areas), fitBoundsOptions: {padding: 10},
        attributionControl: {compact: true},
      });
      window.jobMapDashboard = choropleth; // for the end-to-end tests
      choropleth.addControl(new maplibregl.NavigationControl({showCompass: false}));
      await new Promise((resolve) => choropleth.once("load", resolve));
      choropleth.addSource("units", {type: "geojson", data: areas});
      choropleth.addLayer({id: "units", type: "fill", source: "units",
        paint: {"fill-color": colour, "fill-outline-color": "#8a8a8a"}});
      const popup = new maplibregl.Popup({closeButton: true});
      choropleth.on("click", "units", (event) => {
        const unit = event.features[0].properties;
        const why = unit.attention === "none" ? "" : ` (${t("attention." + unit.attention)})`;
        popup.setLngLat(event.lngLat)
          .setText(`${unit.full_name}: ${formatNumber(unit.people)} ${t("dash.people")}${why}`)
          .addTo(choropleth);
      });
    } else {
      choropleth.getSource("units").setData(areas);
      choropleth.setPaintProperty("units", "fill-color", colour);
      choropleth.fitBounds(bbox(areas), {padding: 10, duration: 0});
    }
  }

  function bbox(collection) {
    let west = 180, south = 90, east = -180, north = -90;
    const visit = (coords) => {
      if (typeof coords[0] === "number") {
        west = Math.min(west, coords[0]); east = Math.max(east, coords[0]);
        south = Math.min(south, coords[1]); north = Math.max(north, coords[1]);
      } else coords.forEach(visit);
    };
    for (const feature of collection.features) if (feature.geometry) visit(feature.geometry.coordinates);
    return [[west, south], [east, north]];
  }

  function drawLegend(breaks) {
    const legend = $("choropleth-legend");
    legend.replaceChildren();
    const bounds = [0, ...breaks];
    bounds.forEach((low, i) => {
      const high = bounds[i + 1];
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = CLASS_COLOURS[i];
      const text = i === 0 ? (high != null ? `< ${formatNumber(high)}` : "0")
        : high != null ? `${formatNumber(low)}–${formatNumber(high - 1)}` : `≥ ${formatNumber(low)}`;
      item.append(swatch, text);
      legend.append(item);
    });
    if (!breaks.length) legend.append(t("dash.noData"));
  }

  // ---- Programmes ---------------------------------------------------------------------------

  // The programmes, listed once (every page of the list); the chosen one is kept in the URL.
  function loadProgrammes() {
    if (!programmes) {
      programmes = listProgrammes().catch((error) => {
        programmes = null; // asked again next time
        throw error;
      });
    }
    return programmes;
  }

  async function listProgrammes() {
    const found = [];
    let cursor = null;
    do {
      const page = await api("/v1/programmes?limit=200" +
        (cursor ? "&cursor=" + encodeURIComponent(cursor) : "")).then((r) => r.json());
      found.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const select = $("programme");
    select.replaceChildren(...found.map((item) => new Option(
      `${item.name} (${item.period_from.slice(0, 4)}–${item.period_to.slice(0, 4)})`, item.code)));
    const asked = new URLSearchParams(window.location.search).get("programme");
    if (found.some((item) => item.code === asked)) select.value = asked;
    return found;
  }

  function day(iso) {
    return window.I18N.formatDate(iso + "T00:00:00+07:00");
  }

  // The chosen programme's progress to the end of the period shown (today when that is
  // ahead): per target, actual against target, the share of its time gone by, the projection.
  async function showProgramme(p) {
    const table = $("programme-table");
    const about = $("programme-about");
    const buttons = [$("programme-csv"), $("programme-xlsx")];
    const request = ++programmeRequest; // a later choice wins over an answer still on its way
    table.setAttribute("aria-busy", "true");
    table.replaceChildren();
    about.textContent = "";
    buttons.forEach((button) => { button.disabled = true; });
    const list = await loadProgrammes();
    if (request !== programmeRequest) return;
    const chosen = list.find((item) => item.code === $("programme").value);
    if (!chosen) {
      about.textContent = t("dash.noProgrammes");
      table.removeAttribute("aria-busy");
      return;
    }
    if (p.end < chosen.period_from) {
      about.textContent = t("dash.programmeNotYet", {from: day(chosen.period_from)});
      table.removeAttribute("aria-busy");
      return;
    }
    const url = new URL(window.location.href);
    url.searchParams.set("programme", chosen.code);
    window.history.replaceState(null, "", url);
    const report = await api(programmePath(chosen.code, p.end)).then((r) => r.json());
    if (request !== programmeRequest) return;
    const areas = report.areas.map((area) => `${area.name} (${area.code})`).join(", ");
    about.textContent = t("dash.programmeSpan", {from: day(report.period_from),
      to: day(report.period_to), through: day(report.through)}) + " · " +
      (areas ? t("dash.programmeAreas", {areas}) : t("dash.programmeProvince"));
    const head = table.createTHead().insertRow();
    for (const text of [t("dash.indicator"), t("dash.targetSpan"), t("dash.actual"),
      t("dash.target"), t("dash.pctOfTarget"), t("dash.elapsed"), t("dash.projection")]) {
      const cell = document.createElement("th");
      cell.textContent = text;
      head.append(cell);
    }
    const body = table.createTBody();
    for (const target of report.targets) body.append(targetRow(target));
    table.removeAttribute("aria-busy");
    buttons.forEach((button) => { button.disabled = false; });
  }

  function programmePath(code, through) {
    return `/v1/stats/programmes/${encodeURIComponent(code)}?through=${through}`;
  }

  function targetRow(target) {
    const row = document.createElement("tr");
    row.dataset.indicator = target.indicator;
    row.dataset.year = target.year == null ? "" : String(target.year);
    const cell = (field, text) => {
      const td = row.insertCell();
      td.dataset.field = field;
      td.textContent = text;
      return td;
    };
    cell("name", lang === "vi" ? target.name_vi : target.name_en || target.name_vi);
    const span = cell("span", target.year == null ? t("dash.wholePeriod") : String(target.year));
    span.title = `${day(target.period_from)} – ${day(target.period_to)}`;
    cell("actual", formatNumber(target.actual));
    cell("target", formatNumber(target.target));
    const pct = cell("pct", target.pct_of_target == null ? "—"
      : formatDecimal(target.pct_of_target) + "%");
    if (target.pct_of_target != null) {
      const bar = document.createElement("div");
      bar.className = "pace";
      bar.setAttribute("role", "presentation");
      const fill = document.createElement("span");
      fill.style.width = Math.min(100, target.pct_of_target) + "%";
      const mark = document.createElement("i");
      mark.style.left = `calc(${Math.min(100, target.elapsed_pct)}% - 1px)`;
      bar.append(fill, mark);
      pct.append(bar);
    }
    cell("elapsed", formatDecimal(target.elapsed_pct) + "%");
    cell("projected", projectionText(target));
    return row;
  }

  // "13 (10–20) · 32,5%", an open range when there is no upper bound, or why there is none.
  function projectionText(target) {
    if (target.projected == null) return t("dash." + target.projection_reason);
    const range = target.projected_high == null
      ? t("dash.projectedOpen", {low: formatNumber(target.projected_low)})
      : t("dash.projectedRange", {low: formatNumber(target.projected_low),
        high: formatNumber(target.projected_high)});
    const pct = target.projected_pct_of_target == null ? ""
      : " · " + formatDecimal(target.projected_pct_of_target) + "%";
    return `${formatNumber(target.projected)} (${range})${pct}`;
  }

  // ---- Downloads ------------------------------------------------------------------------------

  function buildTables() {
    for (const name of Object.keys(TABLES)) {
      $("table").append(new Option(t("table." + name), name));
    }
    for (const id of ["download-csv", "download-xlsx"]) {
      $(id).addEventListener("click", () => download($(id).dataset.format));
    }
    for (const id of ["programme-csv", "programme-xlsx"]) {
      $(id).addEventListener("click", () => downloadProgramme($(id).dataset.format));
    }
  }

  async function download(format) {
    const p = period();
    const groupBy = TABLES[$("table").value];
    const level = await unitLevel(p.end);
    await save(`/v1/stats/placements?from=${p.from}&to=${p.end}` +
      `&group_by=${groupBy}&area_level=${level}&format=${format}`,
    `placements.${format}`, $("download-status"));
  }

  async function downloadProgramme(format) {
    const code = $("programme").value;
    await save(`${programmePath(code, period().end)}&format=${format}`,
      `programme_${code}.${format}`, $("programme-status"));
  }

  // A report file fetched with the key (a plain link could not send it), saved under the
  // name the service gives.
  async function save(path, fallback, status) {
    status.textContent = t("results.loading");
    try {
      const response = await api(path);
      const blob = await response.blob();
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = match ? match[1] : fallback;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      status.textContent = link.download;
    } catch (error) {
      status.textContent = error instanceof Rejected ? t("dash.keyRejected") : t("results.error");
    }
  }

  // ---- Start ----------------------------------------------------------------------------------

  async function show() {
    const p = period();
    rememberPeriod();
    try {
      $("indicators").setAttribute("aria-busy", "true");
      const report = api(`/v1/stats/indicators?year=${p.year}&through=${p.through}`)
        .then((response) => response.json());
      await Promise.all([report.then(showIndicators), report.then((r) => showMonthly(p, r)),
        showAttention(p).then((attention) => showChoropleth(p, attention)), showDemand(p),
        showProgramme(p)]);
    } catch (error) {
      if (error instanceof Rejected) signOut();
      else $("period-label").textContent = t("results.error");
      console.warn("dashboard:", error.message);
    }
  }

  function start() {
    apply(document);
    document.title = t("dash.title");
    buildPeriodChoices();
    buildTables();
    $("lang").addEventListener("click", switchLanguage);
    $("sign-out").addEventListener("click", signOut);
    $("sign-in").addEventListener("submit", (event) => {
      event.preventDefault();
      signIn($("key").value.trim());
    });
    $("period").addEventListener("submit", (event) => { event.preventDefault(); show(); });
    $("programme").addEventListener("change", () => {
      showProgramme(period()).catch((error) => {
        $("programme-about").textContent = t("results.error");
        console.warn("dashboard:", error.message);
      });
    });
    $("choropleth-by").addEventListener("change", () => {
      if (shown) showChoropleth(shown.p, shown.attention);
    });
    let stored = null;
    try { stored = window.sessionStorage.getItem(KEY_STORAGE); } catch (_) { /* private mode */ }
    if (stored) signIn(stored);
    else $("key").focus();
  }

  start();
})();
