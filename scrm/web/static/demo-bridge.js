/* DEMO ONLY: a stand-in for the WeCom JS bridge (演示模式). The server includes this file only
 * when DEMO_MODE is configured and the page was opened with ?demo=1. It answers like WeCom's
 * sidebar would, from the page's query string (?entry=single_chat_tools&external_userid=… or
 * ?entry=group_chat_tools&chat_id=…), and "sends" nothing: messages are kept in
 * window.__SCRM_DEMO_SENT__ for the page and the browser tests to show.
 */
(function () {
  "use strict";
  var query = new URLSearchParams(window.location.search);
  window.__SCRM_DEMO_SENT__ = [];

  function ok(extra) {
    return Promise.resolve(Object.assign({ errMsg: "ok" }, extra || {}));
  }

  window.__SCRM_DEMO_BRIDGE__ = {
    demo: true,
    getContext: function () { return ok({ entry: query.get("entry") || "single_chat_tools" }); },
    getCurExternalContact: function () { return ok({ userId: query.get("external_userid") || "" }); },
    getCurExternalChat: function () { return ok({ chatId: query.get("chat_id") || "" }); },
    sendChatMessage: function (message) {
      window.__SCRM_DEMO_SENT__.push(message);
      return ok();
    }
  };
})();
