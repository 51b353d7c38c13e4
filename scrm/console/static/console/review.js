/* 复核队列: SLA buckets (click one to filter), the queue with filters and "more", and bulk
 * false positives under one request key per selection (sending twice replays, never acts
 * twice). */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var STATUS = { open: "待认领", claimed: "处理中", reviewed: "已复核", escalated: "已上报", closed: "已关闭" };
  var form = document.getElementById("queue-form");
  var body = document.querySelector("[data-testid=cases] tbody");
  var more = document.querySelector("[data-testid=more]");
  var sla = document.querySelector("[data-testid=sla]");
  var bulk = document.getElementById("bulk-form");
  var nextAfter = null;
  var lastQuery = null;
  var bulkKey = null;

  function row(c) {
    return Scrm.el("tr", { testid: "case", "data-id": c.id, "class": c.overdue ? "overdue" : "" }, [
      Scrm.el("td", {}, [Scrm.el("input", { type: "checkbox", value: String(c.id), "aria-label": "选择" })]),
      Scrm.el("td", {}, [Scrm.el("a", { href: "/console/review/cases/" + c.id, text: "#" + c.id, testid: "open-case" })]),
      Scrm.el("td", { text: STATUS[c.status] || c.status, testid: "case-status" }),
      Scrm.el("td", { text: c.highest_action }),
      Scrm.el("td", { text: c.categories.join("、") }),
      Scrm.el("td", { text: c.terms.join("、") }),
      Scrm.el("td", { text: c.sender }),
      Scrm.el("td", { text: c.branch ? c.branch.name : "" }),
      Scrm.el("td", { text: c.assignee ? c.assignee.name : "" }),
      Scrm.el("td", { text: (c.bucket || "") + (c.overdue ? " 超时" : "") })
    ]);
  }

  function load(append) {
    var params = new URLSearchParams(lastQuery);
    if (append) { params.set("after", String(nextAfter)); }
    return Scrm.api("GET", "/api/review/cases?" + params.toString()).then(function (page) {
      if (!append) { body.textContent = ""; }
      page.cases.forEach(function (c) { body.appendChild(row(c)); });
      nextAfter = page.next_after;
      more.hidden = nextAfter === null || nextAfter === undefined;
    });
  }

  function loadSla() {
    var mine = form.elements.branch.value === "mine" ? "?branch=mine" : "";
    return Scrm.api("GET", "/api/review/sla" + mine).then(function (s) {
      sla.textContent = "";
      sla.appendChild(Scrm.el("span", { text: "待处理 " + s.waiting + "，超时 " + s.overdue + "：" }));
      s.buckets.forEach(function (b) {
        sla.appendChild(Scrm.el("button", {
          type: "button", "class": "weui-btn weui-btn_mini weui-btn_default", testid: "bucket",
          text: b.bucket + " " + b.count,
          onclick: function () { form.elements.age.value = b.bucket; refresh(); }
        }));
      });
    });
  }

  function refresh() {
    lastQuery = Scrm.formQuery(form);
    bulkKey = Scrm.uuid();
    return Promise.all([load(false), loadSla()]).then(function () { C.say(""); }).catch(C.sayError);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.elements.age.value = "";
    refresh();
  });
  more.addEventListener("click", function () { C.once(more, function () { return load(true); }); });
  document.querySelector("[data-testid=select-all]").addEventListener("change", function (event) {
    body.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = event.target.checked; });
  });
  body.addEventListener("change", function () { bulkKey = Scrm.uuid(); });

  bulk.addEventListener("submit", function (event) {
    event.preventDefault();
    var ids = Array.prototype.map.call(body.querySelectorAll("input:checked"), function (box) { return Number(box.value); });
    if (!ids.length) { C.say("请先勾选复核单"); return; }
    var button = bulk.querySelector("button");
    C.once(button, function () {
      return Scrm.api("POST", "/api/review/cases/bulk-false-positive", {
        case_ids: ids, note: bulk.elements.note.value, request_key: bulkKey
      }).then(function (result) {
        C.say("已标记 " + result.marked + " 条为误报" + (result.replayed ? "（重复提交，未再次处理）" : ""), "ok");
        return load(false);
      });
    });
  });

  refresh();
})();
