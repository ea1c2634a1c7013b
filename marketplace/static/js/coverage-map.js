// The coverage map (ECharts, boundary data served from static/vendor/geo). It reads the figures from the table
// beside it (data-* on each row), so the map shows exactly the numbers in the table. The metric chooser is a
// GET form that works without JavaScript; here it redraws in place. No inline scripts or styles: CSP.
(function () {
  "use strict";
  const el = document.querySelector("[data-coverage-map]");
  if (!el || !window.echarts) return;
  const table = document.getElementById(el.dataset.table);
  const chooser = document.querySelector("[data-metric-chooser]");
  const submit = document.querySelector("[data-metric-submit]");
  const name = el.dataset.mapName;
  const palettes = {
    density: ["#e9f5ee", "#198754"],
    no_good: ["#fff4e5", "#dc3545"],
    satisfaction: ["#fdecea", "#ffc107", "#198754"],
  };
  const labels = { density: el.dataset.labelDensity, no_good: el.dataset["labelNo_good"],
    satisfaction: el.dataset.labelSatisfaction };
  let chart = null;

  function load() {
    if (window.echarts.getMap(name)) return Promise.resolve();
    if (el.dataset.mapKind === "json") {
      return fetch(el.dataset.mapUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (json) { window.echarts.registerMap(name, json); });
    }
    return new Promise(function (resolve, reject) {  // a script that calls echarts.registerMap itself
      const s = document.createElement("script");
      s.src = el.dataset.mapUrl;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function featureNames() {
    const map = window.echarts.getMap(name);
    const json = map && (map.geoJSON || map.geoJson);
    return json ? json.features.map(function (f) { return f.properties.name; }) : [];
  }

  // The boundary files name regions their own way (河北 for 河北省): map each feature to the table's name.
  function nameMap(rows) {
    const result = {};
    featureNames().forEach(function (f) {
      const row = rows.find(function (r) { return r.name === f; }) ||
        rows.find(function (r) { return r.name.indexOf(f) === 0 || f.indexOf(r.name) === 0; });
      if (row) result[f] = row.name;
    });
    return result;
  }

  function rows(metric) {
    return Array.from(table.tBodies[0].rows).map(function (tr) {
      const raw = tr.dataset[metric === "no_good" ? "no_good" : metric];
      return { name: tr.dataset.name, value: raw === "" || raw === undefined ? null : Number(raw) };
    });
  }

  function draw(metric) {
    const data = rows(metric);
    const values = data.map(function (d) { return d.value; }).filter(function (v) { return v !== null; });
    const min = metric === "satisfaction" ? 1 : 0;
    const max = metric === "satisfaction" ? 5 : Math.max(1, Math.max.apply(null, values.concat([0])));
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) {
        const v = p.value;
        return p.name + "<br>" + labels[metric] +
          "：" + (v === undefined || v === null || isNaN(v) ? el.dataset.noData : v);
      } },
      visualMap: { min: min, max: max, left: 8, bottom: 8, calculable: true, itemHeight: 90,
        inRange: { color: palettes[metric] } },
      series: [{ type: "map", map: name, roam: false, nameMap: nameMap(data), data: data,
        label: { show: true, fontSize: 9, color: "#333" },
        itemStyle: { areaColor: "#f1f3f5", borderColor: "#6c757d" },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#0d6efd" } } }],
    }, true);
  }

  load().then(function () {
    chart = window.echarts.init(el, null, { renderer: "svg" });
    draw(el.dataset.metric);
    window.addEventListener("resize", function () { chart.resize(); });
    if (chooser) {
      if (submit) submit.classList.add("d-none");
      chooser.addEventListener("change", function () { draw(chooser.value); });
    }
  }).catch(function () { el.classList.add("d-none"); });
})();
