/* 词库: the test box (text + channel → decision and hits marked in place), the active lexicon
 * by category, its versions and the diff of two of them. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var DECISION = { block: "拦截", warn: "提醒", pass: "通过" };
  var testForm = document.getElementById("test-form");
  var diffForm = document.getElementById("diff-form");

  testForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = testForm.querySelector("button");
    C.once(button, function () {
      return Scrm.api("POST", "/api/lexicon/test", {
        text: testForm.elements.text.value, channel: testForm.elements.channel.value
      }).then(function (answer) {
        document.querySelector("[data-testid=test-decision]").textContent =
          "判定：" + (DECISION[answer.decision] || answer.decision) + "，命中 " + answer.hits.length + " 处" +
          (answer.hits.length ? "（" + answer.hits.map(function (h) { return h.term || h.kind; }).join("、") + "）" : "");
        document.querySelector("[data-testid=test-marked]").innerHTML = answer.marked_html;  // escaped by the API
        C.say("");
      });
    });
  });

  Scrm.api("GET", "/api/lexicon").then(function (lexicon) {
    document.querySelector("[data-testid=lexicon-version]").textContent = lexicon.version.slice(0, 12);
    document.querySelector("[data-testid=lexicon-counts]").textContent =
      "词条 " + lexicon.counts.terms + "，白名单 " + lexicon.counts.allow_phrases + "，类别 " + lexicon.counts.categories;
    var terms = document.querySelector("[data-testid=lexicon-terms]");
    lexicon.categories.forEach(function (category) {
      var details = Scrm.el("details", {}, [Scrm.el("summary", { text: category.category + "（" + category.terms.length + "）" })]);
      var table = Scrm.el("table", { "class": "console-table" });
      category.terms.forEach(function (t) {
        var actions = Object.keys(t.actions).map(function (k) { return k + ":" + t.actions[k]; }).join(" ");
        table.appendChild(Scrm.el("tr", {}, [Scrm.el("td", { text: t.term }), Scrm.el("td", { text: actions }), Scrm.el("td", { text: t.basis || "" })]));
      });
      details.appendChild(table);
      terms.appendChild(details);
    });
  }).catch(C.sayError);

  Scrm.api("GET", "/api/lexicon/versions").then(function (answer) {
    var body = document.querySelector("[data-testid=versions] tbody");
    answer.versions.forEach(function (v, index) {
      body.appendChild(Scrm.el("tr", {}, [
        Scrm.el("td", { text: v.version.slice(0, 12) }), Scrm.el("td", { text: Scrm.time(v.first_seen_at) }),
        Scrm.el("td", { text: String(v.terms) }), Scrm.el("td", { text: String(v.allow_phrases) }),
        Scrm.el("td", { text: v.active ? "当前" : "" })
      ]));
      ["from", "to"].forEach(function (name) {
        var option = Scrm.el("option", { value: v.version, text: v.version.slice(0, 12) + (v.active ? "（当前）" : "") });
        if ((name === "to" && index === 0) || (name === "from" && index === Math.min(1, answer.versions.length - 1))) { option.selected = true; }
        diffForm.elements[name].appendChild(option);
      });
    });
  }).catch(C.sayError);

  function lines(title, changes, key) {
    var out = [];
    ["added", "removed", "changed"].forEach(function (kind) {
      (changes[kind] || []).forEach(function (item) {
        var sign = { added: "+", removed: "-", changed: "~" }[kind];
        var name = typeof item === "string" ? item : (item[key] || item.name || JSON.stringify(item));
        out.push(sign + " " + title + " " + name + (item.fields ? " (" + item.fields.join(",") + ")" : ""));
      });
    });
    return out;
  }

  diffForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var params = new URLSearchParams({ from: diffForm.elements.from.value, to: diffForm.elements.to.value });
    Scrm.api("GET", "/api/lexicon/diff?" + params.toString()).then(function (diff) {
      var out = diff.same ? ["两个版本相同"] : lines("词条", diff.terms, "term").concat(lines("白名单", diff.allow, "phrase"));
      document.querySelector("[data-testid=diff]").textContent = out.join("\n");
    }).catch(C.sayError);
  });
})();
