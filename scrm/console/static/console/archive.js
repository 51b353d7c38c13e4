/* 存档检索: run the search from the filters, show results (the API's HTML is escaped already,
 * with <mark> around hits), "more" by keyset, export every page with a reason. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var form = document.getElementById("search-form");
  var body = document.querySelector("[data-testid=results] tbody");
  var more = document.querySelector("[data-testid=more]");
  var exportButton = document.querySelector("[data-testid=export-search]");
  var lastQuery = null;
  var nextBefore = null;

  function filters() {
    var params = Scrm.formQuery(form);
    params.delete("format");
    return params;
  }

  function row(result) {
    return Scrm.el("tr", { "data-id": result.id, testid: "result" }, [
      Scrm.el("td", { text: String(result.id) }),
      Scrm.el("td", { text: Scrm.time(result.sent_at || result.created_at) }),
      Scrm.el("td", { text: result.sender }),
      Scrm.el("td", { text: result.channel }),
      Scrm.el("td", { text: result.decision, "class": "decision-" + result.decision }),
      Scrm.el("td", { html: result.text_html, "class": "console-message-text" }),
      Scrm.el("td", {}, [Scrm.el("a", {
        href: "/console/archive/messages/" + result.id, text: "会话", testid: "open-conversation"
      })])
    ]);
  }

  function load(params, append) {
    return Scrm.api("GET", "/api/archive/search?" + params.toString()).then(function (page) {
      if (!append) { body.textContent = ""; }
      page.results.forEach(function (r) { body.appendChild(row(r)); });
      if (!append && !page.results.length) {
        body.appendChild(Scrm.el("tr", {}, [Scrm.el("td", { colspan: "7", text: "没有匹配的消息" })]));
      }
      nextBefore = page.next_before;
      more.hidden = nextBefore === null;
      C.say("");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    lastQuery = filters();
    exportButton.disabled = true;
    load(lastQuery, false).then(function () { exportButton.disabled = false; })
      .catch(function (error) { body.textContent = ""; more.hidden = true; C.sayError(error); });
  });

  more.addEventListener("click", function () {
    var params = new URLSearchParams(lastQuery);
    params.set("before", String(nextBefore));
    C.once(more, function () { return load(params, true); });
  });

  exportButton.addEventListener("click", function () {
    var query = {};
    lastQuery.forEach(function (value, key) { if (key !== "limit") { query[key] = value; } });
    C.exportArchive({ kind: "search", query: query, format: form.elements.format.value }, exportButton);
  });
})();
