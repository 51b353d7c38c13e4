/* The sidebar's shared helpers (window.Sidebar): JSON calls with the CSRF header, small DOM
 * builders, the notice line, and the state of this chat (who, which customer or group). */
(function () {
  "use strict";
  var root = document.getElementById("sidebar-app");
  var S = window.Sidebar = {
    csrf: root.dataset.csrf,
    userid: root.dataset.userid,
    permissions: (root.dataset.permissions || "").split(" "),
    target: null, // {kind: "customer", id: external_userid} | {kind: "group", id: chat_id}
    bridge: null
  };

  S.can = function (permission) { return S.permissions.indexOf(permission) >= 0; };

  S.api = function (method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = S.csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var error = new Error((data.error && data.error.message) || ("HTTP " + res.status));
          error.status = res.status;
          throw error;
        }
        return data;
      });
    });
  };

  S.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "class") { node.className = attrs[key]; }
      else if (key.indexOf("on") === 0) { node.addEventListener(key.slice(2), attrs[key]); }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  };

  S.fill = function (node, children) {
    node.textContent = "";
    children.forEach(function (child) { node.appendChild(child); });
  };

  S.q = function (testid) { return document.querySelector('[data-testid="' + testid + '"]'); };

  S.notice = function (message, kind) {
    var box = S.q("sidebar-notice");
    box.textContent = message || "";
    box.className = "sb-notice " + (kind || "error");
    box.hidden = !message;
    clearTimeout(S.noticeTimer);
    if (message && kind === "ok") { S.noticeTimer = setTimeout(function () { box.hidden = true; }, 4000); }
  };

  S.empty = function (text) { return S.el("p", { class: "sb-empty", text: text }); };

  S.time = function (iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return (d.getMonth() + 1) + "-" + d.getDate() + " " + ("0" + d.getHours()).slice(-2) + ":" +
      ("0" + d.getMinutes()).slice(-2);
  };

  S.uuid = function () {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  };
})();
