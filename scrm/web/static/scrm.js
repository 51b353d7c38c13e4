/* What the sidebar and the console share (window.Scrm): the JSON API with the session's CSRF
 * token on writes, small DOM builders that never parse text as HTML, and how instants are shown.
 * Each face keeps its own bits (the sidebar's chat state and notice line in sidebar/app.js, the
 * console's navigation and message line in web/static/console.js). */
(function () {
  "use strict";
  var signedOut = null;

  /* The session's CSRF token, from <meta name="csrf-token"> of the page (web/base.html). */
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* What to do when the API answers 401 (the console goes to its sign-in page). */
  function onSignedOut(handler) { signedOut = handler; }

  function failure(res) {
    if (res.status === 401 && signedOut) { signedOut(); }
    return res.json().catch(function () { return {}; }).then(function (body) {
      var error = new Error((body && body.error && body.error.message) || "请求失败（" + res.status + "）");
      error.status = res.status;
      throw error;
    });
  }

  /* api("GET", "/api/...") → JSON; a write (api("POST", path, body)) sends the body as JSON
   * with X-CSRF-Token. A failure rejects with an Error carrying the API's message and .status.
   * options.raw: resolve with the Response (for files). */
  function api(method, path, body, options) {
    var init = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET" && method !== "HEAD") {
      init.headers["X-CSRF-Token"] = csrfToken();
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body === undefined ? {} : body);
    }
    return fetch(path, init).then(function (res) {
      if (!res.ok) { return failure(res); }
      return options && options.raw ? res : res.json();
    });
  }

  /* el("td", {text: "…"}, [children]): text is set as text, never parsed. Only HTML the API
   * escaped itself (marked hits) may go in {html: …}. testid → data-testid; a function under
   * on<event> listens; null and undefined are left out. */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key === "html") { node.innerHTML = value; }
      else if (key === "class") { node.className = value; }
      else if (key === "testid") { node.dataset.testid = value; }
      else if (key.indexOf("on") === 0 && typeof value === "function") { node.addEventListener(key.slice(2), value); }
      else { node.setAttribute(key, value); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  /* Replace a node's children. */
  function fill(node, children) {
    node.textContent = "";
    children.forEach(function (child) { node.appendChild(child); });
  }

  function byTestId(testid) { return document.querySelector('[data-testid="' + testid + '"]'); }

  /* A form's non-empty fields, trimmed, as query parameters. */
  function formQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") { params.set(key, String(value).trim()); }
    });
    return params;
  }

  /* Instants from the API are shown in the time zone the page names (data-timezone, the
   * bank's SCRM_TIMEZONE on console pages), else the device's own. */
  function timeZone() {
    var holder = document.querySelector("[data-timezone]");
    return (holder && holder.dataset.timezone) || undefined;
  }

  /* In full, e.g. 2026/3/2 09:03:00. */
  function time(iso) {
    if (!iso) { return ""; }
    return new Date(iso).toLocaleString("zh-CN", { timeZone: timeZone(), hour12: false });
  }

  /* Short, for the phone: e.g. 3-2 09:03. */
  function shortTime(iso) {
    if (!iso) { return ""; }
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone(), month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return parts.month + "-" + parts.day + " " + ("0" + parts.hour).slice(-2) + ":" + ("0" + parts.minute).slice(-2);
  }

  /* url when the browser reads it as an http(s) address with a host, else null. A stored link
   * goes into an href or to WeCom only through here (javascript:, data: … never do). */
  function webLink(url) {
    var parsed;
    if (typeof url !== "string" || !url) { return null; }
    try { parsed = new URL(url); } catch (e) { return null; }
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.host ? url : null;
  }

  /* A fresh key for one attempt (send, bulk action), so a repeat is recognised. */
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  window.Scrm = {
    csrfToken: csrfToken, onSignedOut: onSignedOut, api: api, el: el, fill: fill, byTestId: byTestId,
    formQuery: formQuery, time: time, shortTime: shortTime, uuid: uuid, webLink: webLink
  };
})();
