/* Archive exports for the pages that offer them (存档检索, 会话上下文): ask the reason, POST
 * /api/archive/exports, download the file (ScrmConsole.exportArchive). */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var el = Scrm.el;

  /* The reason an export needs (at least 5 characters); null when cancelled. */
  function askReason() {
    return new Promise(function (resolve) {
      var dialog = el("dialog", { testid: "reason-dialog", "class": "console-dialog" });
      var form = el("form", { method: "dialog" });
      var input = el("input", {
        name: "reason", required: "required", minlength: "5", maxlength: "500", size: "40",
        testid: "reason-input", placeholder: "例如：监管检查调阅 / 投诉单号"
      });
      form.appendChild(el("p", { text: "请填写导出原因（至少 5 个字，记入访问审计）：" }));
      form.appendChild(input);
      form.appendChild(el("div", {}, [
        el("button", { value: "ok", testid: "reason-ok", "class": "weui-btn weui-btn_mini weui-btn_primary", text: "导出" }),
        el("button", { value: "cancel", type: "button", testid: "reason-cancel", "class": "weui-btn weui-btn_mini weui-btn_default", text: "取消",
          onclick: function () { dialog.close("cancel"); } })
      ]));
      dialog.appendChild(form);
      document.body.appendChild(dialog);
      dialog.addEventListener("close", function () {
        var ok = dialog.returnValue === "ok";
        var reason = input.value.trim();
        dialog.remove();
        resolve(ok ? reason : null);
      });
      dialog.showModal();
    });
  }

  function saveResponse(res) {
    var disposition = res.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(disposition);
    return res.blob().then(function (blob) {
      var url = URL.createObjectURL(blob);
      var link = el("a", { href: url, download: match ? match[1] : "export" });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      return match ? match[1] : "export";
    });
  }

  /* Export: ask the reason, POST /api/archive/exports, download the file. One at a time. */
  var exporting = false;
  C.exportArchive = function (body, button) {
    if (exporting) { return Promise.resolve(null); }
    return askReason().then(function (reason) {
      if (reason === null) { return null; }
      exporting = true;
      if (button) { button.disabled = true; }
      C.say("正在生成导出文件…", "info");
      return Scrm.api("POST", "/api/archive/exports", Object.assign({ reason: reason }, body), { raw: true })
        .then(saveResponse)
        .then(function (name) { C.say("已导出 " + name + "（已记入访问审计）", "ok"); return name; })
        .catch(C.sayError)
        .finally(function () { exporting = false; if (button) { button.disabled = false; } });
    });
  };
})();
