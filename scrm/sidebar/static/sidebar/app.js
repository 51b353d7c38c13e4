/* The sidebar's entry, loaded first: window.Sidebar, the state the views share (who, which
 * customer or group, the bridge) and the notice line. Once every view's script has loaded it
 * reads the chat context through ScrmBridge (getContext), then shows the customer view
 * (single_chat_tools → getCurExternalContact) or the group view (group_chat_tools →
 * getCurExternalChat), else asks to open it from a chat's toolbar. The to-do counts load
 * beside it. Every failure ends in a message on the page, never a blank. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var q = Scrm.byTestId;
  var root = document.getElementById("sidebar-app");
  var S = window.Sidebar = {
    userid: root.dataset.userid,
    permissions: (root.dataset.permissions || "").split(" "),
    target: null, // {kind: "customer", id: external_userid} | {kind: "group", id: chat_id}
    bridge: null
  };

  S.can = function (permission) { return S.permissions.indexOf(permission) >= 0; };

  var noticeTimer = null;
  S.notice = function (message, kind) {
    var box = q("sidebar-notice");
    box.textContent = message || "";
    box.className = "sb-notice " + (kind || "error");
    box.hidden = !message;
    clearTimeout(noticeTimer);
    if (message && kind === "ok") { noticeTimer = setTimeout(function () { box.hidden = true; }, 4000); }
  };

  S.empty = function (text) { return Scrm.el("p", { class: "sb-empty", text: text }); };

  var ENTRY_NAMES = { single_chat_tools: "单聊工具栏", group_chat_tools: "群聊工具栏", normal: "应用首页" };
  var tabs = document.querySelectorAll(".sb-tabs [data-tab]");

  function show(name) {
    document.querySelectorAll(".sb-pane").forEach(function (pane) { pane.hidden = pane.dataset.pane !== name; });
    tabs.forEach(function (tab) { tab.classList.toggle("sb-tab_on", tab.dataset.tab === name); });
    if (name === "scripts") { S.loadScripts(); }
  }
  S.show = show;
  tabs.forEach(function (tab) { tab.addEventListener("click", function () { show(tab.dataset.tab); }); });

  S.refreshCounts = function () {
    return Scrm.api("GET", "/api/sidebar/home").then(function (home) {
      Object.keys(home.counts).forEach(function (key) {
        var cell = document.querySelector('[data-count="' + key + '"]');
        if (cell) { cell.textContent = home.counts[key]; }
      });
    }, function (error) { S.notice("待办数量读取失败：" + error.message); });
  };

  // One log line on the server for each problem the page explains (no customer data).
  S.report = function (kind) {
    Scrm.api("POST", "/api/sidebar/problems", { kind: kind }).catch(function () {});
  };

  function outside(message, kind) {
    if (kind) { S.report(kind); }
    q("entry").textContent = "—";
    S.notice(message);
    show("scripts");
  }

  function bridgeFailure(error) {
    var detail = (error && (error.errMsg || error.message)) || String(error);
    if (/signature|签名|config|js-?sdk|ticket/i.test(detail)) {
      outside("企业微信 JS 接口签名失败（" + detail + "）。请确认应用的可信域名设置，或稍后重新打开侧边栏。",
        "jssdk_signature");
      return;
    }
    outside("无法读取企业微信会话：" + detail + "。请在企业微信聊天工具栏中打开本页。", "outside_wecom");
  }

  // Outside the WeCom client the official SDK never answers: give up after a few seconds.
  var BRIDGE_WAIT_MS = Number(root.dataset.bridgeWait) || 8000;

  function withTimeout(promise) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error("企业微信没有回应（本页似乎不是在企业微信里打开的）"));
      }, BRIDGE_WAIT_MS);
      Promise.resolve(promise).then(function (value) { clearTimeout(timer); resolve(value); },
        function (error) { clearTimeout(timer); reject(error); });
    });
  }

  function start() {
    S.refreshCounts();
    try {
      S.bridge = window.ScrmBridge.create(document.querySelector(".sidebar-main"));
    } catch (error) {
      bridgeFailure(error);
      return Promise.resolve("outside");
    }
    return withTimeout(S.bridge.getContext()).then(function (context) {
      q("entry").textContent = ENTRY_NAMES[context.entry] || context.entry;
      if (context.entry === "single_chat_tools") {
        return S.bridge.getCurExternalContact().then(function (r) {
          if (!r.userId) { throw new Error("企业微信没有给出当前客户"); }
          S.target = { kind: "customer", id: r.userId };
          q("tab-customer").hidden = false;
          show("customer");
          return S.showCustomer(r.userId).then(function (ok) {
            if (!ok) { S.target = null; q("tab-customer").hidden = true; show("scripts"); }
          });
        });
      }
      if (context.entry === "group_chat_tools") {
        return S.bridge.getCurExternalChat().then(function (r) {
          if (!r.chatId) { throw new Error("企业微信没有给出当前客户群"); }
          S.target = { kind: "group", id: r.chatId };
          q("tab-group").hidden = false;
          show("group");
          return S.showGroup(r.chatId).then(function (ok) {
            if (!ok) { S.target = null; q("tab-group").hidden = true; show("scripts"); }
          });
        });
      }
      outside("请从客户或客户群聊天窗口的工具栏打开侧边栏；这里可以查话术、做合规自查。", "no_chat");
    }).catch(function (error) {
      if (error && error.status) { S.notice("读取失败：" + error.message); return; }
      bridgeFailure(error);
    }).then(function () { return "ok"; });
  }

  // The views (send.js, customer.js, group.js, scripts.js) load after this file.
  document.addEventListener("DOMContentLoaded", function () {
    start().then(function (state) { window.__SCRM_SIDEBAR_READY__ = state; });
  });
})();
