/* The sidebar's entry screen: read the chat context through ScrmBridge and show it. */
(function () {
  "use strict";
  var root = document.querySelector(".sidebar-main");
  var status = document.querySelector("[data-testid=bridge-status]");
  var entryCell = document.querySelector("[data-testid=entry]");
  var targetCell = document.querySelector("[data-testid=chat-target]");
  var ENTRY_NAMES = { single_chat_tools: "单聊工具栏", group_chat_tools: "群聊工具栏", normal: "应用首页" };

  function fail(error) {
    status.textContent = "无法读取企业微信会话：" + (error && (error.errMsg || error.message) || error) +
      "（请在企业微信聊天工具栏中打开本页）";
    entryCell.textContent = "—";
    targetCell.textContent = "—";
    window.__SCRM_SIDEBAR_READY__ = "error";
  }

  var bridge;
  try { bridge = window.ScrmBridge.create(root); } catch (error) { fail(error); return; }
  bridge.getContext().then(function (context) {
    entryCell.textContent = ENTRY_NAMES[context.entry] || context.entry;
    if (context.entry === "single_chat_tools") {
      return bridge.getCurExternalContact().then(function (r) { targetCell.textContent = r.userId || "—"; });
    }
    if (context.entry === "group_chat_tools") {
      return bridge.getCurExternalChat().then(function (r) { targetCell.textContent = r.chatId || "—"; });
    }
    targetCell.textContent = "—";
  }).then(function () {
    window.__SCRM_SIDEBAR_READY__ = "ok";
  }, fail);
})();
