/* 分行看板: a node's children as bars and a sortable table (click a row or a bar to drill
 * down bank → branch → sub-branch → RM → group), the node's trend by day/week/month, the
 * leaderboard, and every chart and table as CSV (the API's ?format=csv). */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var LEVEL = { bank: "全行", branch: "分行", sub_branch: "支行", rm: "客户经理", group: "客户群" };
  var form = document.getElementById("range-form");
  var pathNav = document.querySelector("[data-testid=path]");
  var table = document.querySelector("[data-testid=children]");
  var node = { level: "", id: "" };
  var current = null;
  var sortKey = null;
  var sortDown = true;
  var charts = {};
  // Tooltips drawn on the canvas: ECharts' HTML tooltips carry style="" attributes, which the
  // page's Content-Security-Policy (style-src 'self') refuses.
  var TOOLTIP = { renderMode: "richText" };

  function chart(name) {
    if (!charts[name] && window.echarts) {
      charts[name] = window.echarts.init(document.querySelector("[data-testid=" + name + "]"));
      if (name === "bars") {
        charts.bars.on("click", function (params) { drill(current.rows[params.dataIndex]); });
      }
    }
    return charts[name];
  }

  function params(extra) {
    var p = new URLSearchParams();
    if (node.level) { p.set("level", node.level); }
    if (node.id !== "" && node.id !== null && node.id !== undefined) { p.set("id", String(node.id)); }
    ["start", "end"].forEach(function (k) { if (form.elements[k].value) { p.set(k, form.elements[k].value); } });
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p;
  }

  function metric() { return form.elements.metric.value || "customers"; }
  function label(key) {
    var m = (current.metrics || []).filter(function (x) { return x.key === key; })[0];
    return m ? m.label : key;
  }
  function fmt(value) { return value === null || value === undefined ? "—" : String(value); }

  function drill(row) {
    if (!row) { return; }
    node = { level: row.level, id: row.id };
    load();
  }

  function showPath(answer) {
    pathNav.textContent = "";
    answer.path.forEach(function (step, index) {
      if (index) { pathNav.appendChild(document.createTextNode(" › ")); }
      pathNav.appendChild(Scrm.el("a", { href: "#", testid: "path-step", text: (LEVEL[step.level] || step.level) + " " + step.name,
        onclick: function (event) { event.preventDefault(); node = { level: step.level, id: step.id }; load(); } }));
    });
  }

  function showTable() {
    var keys = ["name"].concat(current.metrics.map(function (m) { return m.key; }));
    var rows = current.rows.slice();
    if (sortKey) {
      rows.sort(function (a, b) {
        var x = a[sortKey], y = b[sortKey];
        var cmp = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh");
        return sortDown ? -cmp : cmp;
      });
    }
    var head = Scrm.el("tr", {}, keys.map(function (key) {
      return Scrm.el("th", { text: key === "name" ? "名称" : label(key), "data-key": key, testid: "sort-" + key,
        onclick: function () { sortDown = sortKey === key ? !sortDown : true; sortKey = key; showTable(); } });
    }));
    table.tHead.textContent = "";
    table.tHead.appendChild(head);
    var body = table.tBodies[0];
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = Scrm.el("tr", { testid: "child-row", "data-level": row.level, "data-id": String(row.id), "class": "clickable" },
        keys.map(function (key) { return Scrm.el("td", { text: key === "name" ? (LEVEL[row.level] || "") + " " + row.name : fmt(row[key]) }); }));
      tr.addEventListener("click", function () { drill(row); });
      body.appendChild(tr);
    });
    var total = Scrm.el("tr", { "class": "total" }, keys.map(function (key) {
      return Scrm.el("td", { text: key === "name" ? "合计" : fmt(current.totals[key]) });
    }));
    body.appendChild(total);
  }

  function showBars() {
    var c = chart("bars");
    document.querySelector("[data-testid=bars-csv]").href = "/api/dashboards/overview?" + params({ format: "csv" });
    if (!c) { return; }
    c.setOption({
      title: { text: label(metric()), textStyle: { fontSize: 14 } },
      animation: false,
      tooltip: TOOLTIP,
      xAxis: { type: "category", data: current.rows.map(function (r) { return r.name; }) },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: current.rows.map(function (r) { return r[metric()]; }) }]
    }, true);
  }

  function loadTrend() {
    var p = params({ metric: metric(), grain: form.elements.grain.value });
    document.querySelector("[data-testid=trend-csv]").href = "/api/dashboards/trend?" + p + "&format=csv";
    return Scrm.api("GET", "/api/dashboards/trend?" + p).then(function (answer) {
      var c = chart("trend");
      if (!c) { return; }
      c.setOption({
        title: { text: answer.metric.label + " 趋势", textStyle: { fontSize: 14 } },
        animation: false,
        tooltip: Object.assign({ trigger: "axis" }, TOOLTIP),
        xAxis: { type: "category", data: answer.points.map(function (p) { return p.period; }) },
        yAxis: { type: "value" },
        series: [{ type: "line", data: answer.points.map(function (p) { return p.value; }) }]
      }, true);
    });
  }

  function loadBoard() {
    var board = document.querySelector("[data-testid=leaderboard] tbody");
    board.textContent = "";
    if (node.level === "rm" || node.level === "group") { return Promise.resolve(); }
    var p = params({
      metric: metric(), by: document.querySelector("[data-testid=board-by]").value,
      order: document.querySelector("[data-testid=board-order]").value
    });
    document.querySelector("[data-testid=board-csv]").href = "/api/dashboards/leaderboard?" + p + "&format=csv";
    return Scrm.api("GET", "/api/dashboards/leaderboard?" + p).then(function (answer) {
      answer.rows.forEach(function (r) {
        board.appendChild(Scrm.el("tr", { testid: "board-row" }, [
          Scrm.el("td", { text: String(r.rank) }), Scrm.el("td", { text: r.name }), Scrm.el("td", { text: fmt(r.value) })
        ]));
      });
    }).catch(function (error) { if (error.status !== 400) { throw error; } });
  }

  function load() {
    return Scrm.api("GET", "/api/dashboards/overview?" + params()).then(function (answer) {
      current = answer;
      node = { level: answer.node.level, id: answer.node.id === null ? "" : answer.node.id };
      if (!form.elements.start.value) { form.elements.start.value = answer.start; form.elements.end.value = answer.end; }
      var select = form.elements.metric;
      if (!select.options.length) {
        answer.metrics.forEach(function (m) { select.appendChild(Scrm.el("option", { value: m.key, text: m.label })); });
      }
      showPath(answer);
      showTable();
      showBars();
      document.querySelector("[data-testid=children]").dataset.level = answer.node.level;
      C.say("");
      return Promise.all([loadTrend(), loadBoard()]);
    }).catch(C.sayError);
  }

  // A link may name the node and range: /console/dashboards?level=branch&id=2&start=…&end=…
  var asked = new URLSearchParams(location.search);
  node = { level: asked.get("level") || "", id: asked.get("id") || "" };
  ["start", "end"].forEach(function (k) { if (asked.get(k)) { form.elements[k].value = asked.get(k); } });

  form.addEventListener("submit", function (event) { event.preventDefault(); load(); });
  ["board-by", "board-order"].forEach(function (id) {
    document.querySelector("[data-testid=" + id + "]").addEventListener("change", function () { loadBoard().catch(C.sayError); });
  });
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  load();
})();
