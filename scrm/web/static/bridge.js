/* The one wrapper around the WeCom JS bridge for sidebar pages (window.ScrmBridge).
 *
 * Production: the official @wecom/jssdk (served from /vendor/wecom-jssdk.js) registered with
 * our server-side signatures from GET /api/jssdk/config. Demo: window.__SCRM_DEMO_BRIDGE__, a
 * clearly marked stand-in the server only includes when DEMO_MODE is on and ?demo=1 is asked.
 * Pages call getContext / getCurExternalContact / getCurExternalChat / sendChatMessage here
 * and never touch `ww` or the stand-in directly.
 */
(function () {
  "use strict";
  var JS_API_LIST = ["getContext", "getCurExternalContact", "getCurExternalChat", "sendChatMessage"];

  function signaturesFor(url) {
    // One request per page URL serves both wx.config and wx.agentConfig.
    var cache = signaturesFor.cache || (signaturesFor.cache = {});
    if (!cache[url]) {
      cache[url] = fetch("/api/jssdk/config?url=" + encodeURIComponent(url), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + res.status)); }
          return body;
        });
      });
      cache[url].catch(function () { delete cache[url]; });
    }
    return cache[url];
  }

  function wecomBridge(corpId, agentId) {
    if (typeof window.ww === "undefined") {
      throw new Error("企业微信 JS-SDK 未加载：请运行 npm ci --prefix scrm/frontend");
    }
    var ww = window.ww;
    ww.register({
      corpId: corpId,
      agentId: Number(agentId),
      jsApiList: JS_API_LIST,
      getConfigSignature: function (url) {
        return signaturesFor(url).then(function (s) { return s.config; });
      },
      getAgentConfigSignature: function (url) {
        return signaturesFor(url).then(function (s) { return s.agent_config; });
      }
    });
    return {
      demo: false,
      getContext: function () { return ww.getContext(); },
      getCurExternalContact: function () { return ww.getCurExternalContact(); },
      getCurExternalChat: function () { return ww.getCurExternalChat(); },
      sendChatMessage: function (message) { return ww.sendChatMessage(message); }
    };
  }

  function create(root) {
    if (root.dataset.demo === "1") {
      if (!window.__SCRM_DEMO_BRIDGE__) { throw new Error("demo bridge missing"); }
      return window.__SCRM_DEMO_BRIDGE__;
    }
    return wecomBridge(root.dataset.corpId, root.dataset.agentId);
  }

  window.ScrmBridge = { create: create, signaturesFor: signaturesFor };
})();
