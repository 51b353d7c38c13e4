/* One review case: the archived message with its hits marked (HTML escaped by the API), the
 * facts, the actions (claim, release, verdict, escalate, close, reopen, comment), allow-list
 * proposals and the history. Each button is disabled while its request runs. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var STATUS = { open: "待认领", claimed: "处理中", reviewed: "已复核", escalated: "已上报", closed: "已关闭" };
  var VERDICT = { violation: "违规", false_positive: "误报", needs_follow_up: "需跟进" };
  var root = document.getElementById("case");
  var id = root.dataset.caseId;
  var base = "/api/review/cases/" + id;
  var note = document.getElementById("note");

  function fact(list, label, value, testid) {
    list.appendChild(Scrm.el("dt", { text: label }));
    list.appendChild(Scrm.el("dd", { text: value === null || value === undefined ? "—" : String(value), testid: testid }));
  }

  function show(c) {
    var facts = root.querySelector("[data-testid=case-facts]");
    facts.textContent = "";
    fact(facts, "复核单", "#" + c.id);
    fact(facts, "状态", STATUS[c.status] || c.status, "status");
    fact(facts, "结论", c.verdict ? VERDICT[c.verdict] || c.verdict : null, "case-verdict");
    fact(facts, "经办人", c.assignee ? c.assignee.name : null, "assignee");
    fact(facts, "发送人", c.sender);
    fact(facts, "分行", c.branch ? c.branch.name : null);
    fact(facts, "类别", c.categories.join("、"));
    fact(facts, "已等待", c.age_hours + " 小时" + (c.overdue ? "（超时）" : ""));
    var m = c.message;
    var text = root.querySelector("[data-testid=case-message]");
    text.textContent = "";
    text.appendChild(Scrm.el("div", { html: m.marked_html || "（无文字）" }));
    text.appendChild(Scrm.el("a", { href: "/console/archive/messages/" + m.id, text: "查看会话上下文", testid: "case-conversation" }));
    var history = root.querySelector("[data-testid=history]");
    history.textContent = "";
    c.history.forEach(function (e) {
      history.appendChild(Scrm.el("li", { testid: "history-entry", text:
        Scrm.time(e.at) + " " + (e.by ? e.by.name : "系统") + " " + e.action +
        (e.verdict ? " " + (VERDICT[e.verdict] || e.verdict) : "") + " → " + (STATUS[e.to] || e.to) +
        (e.note ? "：" + e.note : "") }));
    });
    var proposals = root.querySelector("[data-testid=proposals]");
    proposals.textContent = "";
    c.allow_proposals.forEach(function (p) {
      proposals.appendChild(Scrm.el("li", { text: "白名单建议「" + p.phrase + "」 " + p.status + (p.allowlist_line ? " · " + p.allowlist_line : "") }));
    });
  }

  function load() { return Scrm.api("GET", base).then(show); }

  root.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.dataset.action;
      var body = { note: note.value.trim() || null };
      if (action === "verdict") { body.verdict = root.querySelector("[data-testid=verdict]").value; }
      C.once(button, function () {
        return Scrm.api("POST", base + "/" + action, body).then(function () {
          note.value = "";
          C.say("已" + button.textContent, "ok");
          return load();
        });
      });
    });
  });

  var allow = document.getElementById("allow-form");
  allow.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = allow.querySelector("button");
    C.once(button, function () {
      return Scrm.api("POST", base + "/allow-proposal", {
        phrase: allow.elements.phrase.value, note: allow.elements.note.value || null
      }).then(function () { allow.reset(); C.say("已提交白名单建议", "ok"); return load(); });
    });
  });

  load().catch(C.sayError);
})();
