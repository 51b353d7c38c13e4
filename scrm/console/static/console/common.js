/* What every console page shares: the JSON API with the session's CSRF token on writes, the
 * message line, small DOM helpers, the export-reason dialog and file downloads. */
(function () {
  "use strict";
  var sessionPromise = null;

  function session() {
    if (!sessionPromise) {
      sessionPromise = fetch("/api/session", { credentials: "same-origin" })
        .then(function (res) { return res.json(); });
    }
    return sessionPromise;
  }

  function toSignIn() {
    var next = location.pathname + location.search;
    location.assign("/console/login?next=" + encodeURIComponent(next));
  }

  function failure(res) {
    if (res.status === 401) { toSignIn(); }
    return res.json().then(function (body) {
      return body && body.error ? body.error.message : "请求失败（" + res.status + "）";
    }, function () { return "请求失败（" + res.status + "）"; }).then(function (text) {
      var error = new Error(text);
      error.status = res.status;
      throw error;
    });
  }

  /* api("GET", "/api/...") → JSON; api("POST", path, body) carries X-CSRF-Token.
   * options.raw: resolve with the Response (for files). */
  function api(method, path, body, options) {
    var unsafe = method !== "GET";
    return (unsafe ? session() : Promise.resolve(null)).then(function (s) {
      var init = { method: method, credentials: "same-origin", headers: {} };
      if (unsafe) {
        init.headers["X-CSRF-Token"] = s.csrf_token;
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body || {});
      }
      return fetch(path, init);
    }).then(function (res) {
      if (!res.ok) { return failure(res); }
      return options && options.raw ? res : res.json();
    });
  }

  var messageBox = document.querySelector("[data-testid=message]");
  function say(text, kind) {
    if (!messageBox) { return; }
    messageBox.textContent = text || "";
    messageBox.className = "console-message " + (kind || "error");
    messageBox.hidden = !text;
  }
  function sayError(error) { say(error.message || String(error), "error"); }

  /* el("td", {text: "…"}) / el("td", {html: trustedHtmlFromApi}) / children */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key === "html") { node.innerHTML = value; }  // only HTML the API escaped
      else if (key === "testid") { node.dataset.testid = value; }
      else if (key === "onclick") { node.addEventListener("click", value); }
      else { node.setAttribute(key, value); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function formQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") { params.set(key, String(value).trim()); }
    });
    return params;
  }

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
  function exportArchive(body, button) {
    if (exporting) { return Promise.resolve(null); }
    return askReason().then(function (reason) {
      if (reason === null) { return null; }
      exporting = true;
      if (button) { button.disabled = true; }
      say("正在生成导出文件…", "info");
      return api("POST", "/api/archive/exports", Object.assign({ reason: reason }, body), { raw: true })
        .then(saveResponse)
        .then(function (name) { say("已导出 " + name + "（已记入访问审计）", "ok"); return name; })
        .catch(sayError)
        .finally(function () { exporting = false; if (button) { button.disabled = false; } });
    });
  }

  /* Run a write once: the button stays disabled until the answer, so a double click does
   * nothing twice. */
  function once(button, work) {
    if (button.disabled) { return Promise.resolve(); }
    button.disabled = true;
    return Promise.resolve().then(work).catch(sayError)
      .finally(function () { button.disabled = false; });
  }

  /* An ISO instant from the API in the bank's time zone (SCRM_TIMEZONE), e.g. 2026/3/2 09:03:00. */
  var pageHead = document.getElementById("console-page");
  var timeZone = (pageHead && pageHead.dataset.timezone) || "Asia/Shanghai";
  function time(iso) {
    if (!iso) { return ""; }
    return new Date(iso).toLocaleString("zh-CN", { timeZone: timeZone, hour12: false });
  }

  window.ScrmConsole = {
    time: time, api: api, session: session, say: say, sayError: sayError, el: el, formQuery: formQuery,
    askReason: askReason, exportArchive: exportArchive, once: once
  };
})();
