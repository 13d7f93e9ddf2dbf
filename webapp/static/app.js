// The dashboard's behaviour: Telegram's theme, sign-in from the launch pages, sortable and
// filterable tables, and charts drawn from the tables beside them (no data in scripts).
"use strict";

(function () {
  var THEME_KEY = "duban.tgTheme";

  // --- Telegram: the WebApp object if a script put it there, else the URL fragment ------------
  function fragmentParams() {
    var hash = window.location.hash.replace(/^#/, "");
    var params = {};
    if (!hash || hash.indexOf("tgWebApp") < 0) return params;
    hash.split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i > 0) params[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1));
    });
    return params;
  }

  function telegram() {
    var app = window.Telegram && window.Telegram.WebApp;
    var fragment = fragmentParams();
    var initData = (app && app.initData) || fragment.tgWebAppData || "";
    var theme = (app && app.themeParams) || null;
    if (!theme && fragment.tgWebAppThemeParams) {
      try { theme = JSON.parse(fragment.tgWebAppThemeParams); } catch (e) { theme = null; }
    }
    var scheme = (app && app.colorScheme) || null;
    return { app: app, initData: initData, theme: theme, scheme: scheme };
  }

  function luminance(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    var n = parseInt(m[1], 16);
    return (0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  }

  function applyTheme(saved) {
    var root = document.documentElement;
    if (!saved || !saved.theme) return;
    var t = saved.theme;
    var scheme = saved.scheme;
    if (!scheme && t.bg_color) scheme = luminance(t.bg_color) < 0.5 ? "dark" : "light";
    if (scheme === "dark" || scheme === "light") root.setAttribute("data-theme", scheme);
    var map = {
      "--bg": t.secondary_bg_color || t.bg_color,
      "--surface": t.section_bg_color || t.bg_color,
      "--text": t.text_color,
      "--muted": t.hint_color || t.subtitle_text_color,
      "--link": t.link_color,
      "--accent": t.button_color,
    };
    Object.keys(map).forEach(function (name) {
      if (/^#[0-9a-f]{3,8}$/i.test(map[name] || "")) root.style.setProperty(name, map[name]);
    });
  }

  function rememberTheme(tg) {
    if (!tg.theme) return null;
    var saved = { theme: tg.theme, scheme: tg.scheme };
    try { window.sessionStorage.setItem(THEME_KEY, JSON.stringify(saved)); } catch (e) { /* private mode */ }
    return saved;
  }

  function savedTheme() {
    try { return JSON.parse(window.sessionStorage.getItem(THEME_KEY) || "null"); } catch (e) { return null; }
  }

  // --- the launch pages: /app (Telegram) and /login (a one-time link) ---------------------------
  function show(id) {
    var status = document.getElementById("launch-status");
    if (status) status.hidden = true;
    var el = document.getElementById(id);
    if (el) el.hidden = false;
  }

  function signIn(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body).toString(),
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false }; });
    }).then(function (answer) {
      if (answer.ok) {
        window.location.replace(answer.next || "/");
        return;
      }
      if (answer.title) document.getElementById("launch-error-title").textContent = answer.title;
      if (answer.text) document.getElementById("launch-error-text").textContent = answer.text;
      show(answer.title ? "launch-error" : "launch-missing");
    }).catch(function () { show("launch-missing"); });
  }

  function launch(tg) {
    var box = document.getElementById("launch");
    if (!box) return;
    if (box.getAttribute("data-mode") === "telegram") {
      if (tg.app && tg.app.ready) tg.app.ready();
      if (tg.app && tg.app.expand) tg.app.expand();
      if (!tg.initData) { show("launch-missing"); return; }
      signIn("/auth/telegram", { init_data: tg.initData });
      return;
    }
    var token = window.location.hash.replace(/^#/, "");
    // The token leaves the address bar before anything else happens.
    window.history.replaceState(null, "", window.location.pathname);
    if (!token) { show("launch-missing"); return; }
    signIn("/auth/login", { token: token });
  }

  // --- tables: sort by a column, filter by text, labels for the phone layout ----------------
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort-value");
    return v !== null ? v : cell.textContent.trim();
  }

  function sortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var numeric = th.getAttribute("data-sort") === "number";
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var result = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, document.documentElement.lang);
          return ascending ? result : -result;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") sort(); });
    });
    // Each cell names its column, for the card layout on phones.
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      Array.prototype.forEach.call(row.cells, function (cell, index) {
        if (heads[index] && row.cells.length === heads.length) {
          cell.setAttribute("data-label", heads[index].textContent.trim());
        }
      });
    });
  }

  function filters() {
    document.querySelectorAll("input[data-filter-for]").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-filter-for"));
      if (!table) return;
      input.addEventListener("input", function () {
        var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          var text = row.textContent.toLowerCase();
          row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
        });
      });
    });
  }

  // --- charts, read from the table of their numbers ------------------------------------------
  function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue("--c-" + name).trim() || "#888";
  }

  function readTable(table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells, 1);
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (r) {
      return r.cells.length === heads.length + 1;
    });
    return {
      labels: rows.map(function (r) { return r.cells[0].textContent.trim(); }),
      keys: rows.map(function (r) { return r.getAttribute("data-key") || ""; }),
      series: heads.map(function (th, i) {
        return {
          key: th.getAttribute("data-series"),
          kind: th.getAttribute("data-kind") || "bar",
          label: th.textContent.trim(),
          values: rows.map(function (r) { return parseFloat(r.cells[i + 1].getAttribute("data-value")) || 0; }),
        };
      }),
    };
  }

  function drawCharts() {
    if (!window.Chart) return;
    var style = getComputedStyle(document.documentElement);
    var text = style.getPropertyValue("--muted").trim();
    var grid = style.getPropertyValue("--border").trim();
    window.Chart.defaults.color = text;
    window.Chart.defaults.borderColor = grid;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    // No animation for the big screen (it reloads every minute) nor for those who ask.
    var animate = !document.body.classList.contains("kiosk") &&
      !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var table = document.getElementById(canvas.getAttribute("data-table"));
      if (!table) return;
      var data = readTable(table);
      var config;
      if (canvas.getAttribute("data-chart") === "share") {
        config = {
          type: "doughnut",
          data: {
            labels: data.labels,
            datasets: [{
              data: data.series[0].values,
              backgroundColor: data.keys.map(function (k) { return colour(k.replace(/^[a-z]+-/, "")); }),
              borderColor: style.getPropertyValue("--surface").trim(),
            }],
          },
          options: { maintainAspectRatio: false, animation: animate, cutout: "55%",
            // The table beside the chart names each colour.
            plugins: { legend: { display: false } } },
        };
      } else {
        config = {
          data: {
            labels: data.labels,
            datasets: data.series.map(function (s) {
              var line = s.kind === "line";
              return {
                type: line ? "line" : "bar",
                label: s.label,
                data: s.values,
                backgroundColor: colour(s.key),
                borderColor: colour(s.key),
                yAxisID: line ? "rate" : "tasks",
                stack: line ? undefined : "tasks",
                tension: 0.25,
                maxBarThickness: 56,
                order: line ? 0 : 1,
              };
            }),
          },
          options: {
            maintainAspectRatio: false,
            animation: animate,
            interaction: { mode: "index", intersect: false },
            scales: {
              x: { stacked: true, grid: { display: false } },
              tasks: { stacked: true, position: "left", beginAtZero: true, ticks: { precision: 0 } },
              rate: { position: "right", min: 0, max: 100, grid: { display: false },
                ticks: { callback: function (v) { return v + "%"; } } },
            },
            plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
          },
        };
      }
      new window.Chart(canvas, config);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tg = telegram();
    applyTheme(rememberTheme(tg) || savedTheme());
    launch(tg);
    document.querySelectorAll("table.sortable").forEach(sortable);
    filters();
    drawCharts();
    document.documentElement.setAttribute("data-ready", "true");
  });
})();
