/* 访问审计: who searched, viewed or exported archived content, and refused, locked or unlocked
   local sign-ins, newest first, with "more". */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var ACTION = {
    search: "检索", view: "查看", "export": "导出",
    login_failed: "登录失败", account_locked: "账号锁定", account_unlocked: "账号解锁"
  };
  var form = document.getElementById("audit-form");
  var body = document.querySelector("[data-testid=audit-rows] tbody");
  var more = document.querySelector("[data-testid=more]");
  var nextBefore = null;
  var lastQuery = null;

  function describe(what) {
    return Object.keys(what || {}).map(function (key) {
      var value = what[key];
      if (Array.isArray(value) && value.length > 10) { value = value.slice(0, 10).join(",") + "…(" + value.length + ")"; }
      else if (value && typeof value === "object") { value = JSON.stringify(value); }
      return key + "=" + value;
    }).join("; ");
  }

  function load(append) {
    var params = new URLSearchParams(lastQuery);
    if (append) { params.set("before", String(nextBefore)); }
    return Scrm.api("GET", "/api/audit/access?" + params.toString()).then(function (page) {
      if (!append) { body.textContent = ""; }
      page.records.forEach(function (r) {
        body.appendChild(Scrm.el("tr", { testid: "audit-row", "data-action": r.action }, [
          Scrm.el("td", { text: String(r.id) }),
          Scrm.el("td", { text: Scrm.time(r.at) }),
          Scrm.el("td", { text: r.staff_userid }),
          Scrm.el("td", { text: ACTION[r.action] || r.action }),
          Scrm.el("td", { text: describe(r.what) }),
          Scrm.el("td", { text: r.reason || "", testid: "audit-reason" }),
          Scrm.el("td", { text: String(r.result_count) })
        ]));
      });
      nextBefore = page.next_before;
      more.hidden = nextBefore === null;
      C.say("");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    lastQuery = Scrm.formQuery(form);
    load(false).catch(C.sayError);
  });
  more.addEventListener("click", function () { C.once(more, function () { return load(true); }); });
  lastQuery = Scrm.formQuery(form);
  load(false).catch(C.sayError);
})();
