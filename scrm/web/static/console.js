/* The console face on every console page (after scrm.js): the navigation, one link per section
 * the signed-in member's permissions allow (from GET /api/session); the sign-in page when the
 * API answers 401; and window.ScrmConsole for the page scripts: the message line and once(). */
(function () {
  "use strict";
  // Only sections with a page; customers, campaigns, moments and custody are API/CLI so far.
  var SECTIONS = [
    { permission: "dashboards.read", label: "分行看板", href: "/console/dashboards" },
    { permission: "archive.search", label: "存档检索", href: "/console/archive" },
    { permission: "review.read", label: "合规复核", href: "/console/review" },
    { permission: "audit.read", label: "访问审计", href: "/console/audit" },
    { permission: "audit.read", label: "存档状态", href: "/console/status" },
    { permission: "lexicon.read", label: "词库", href: "/console/lexicon" },
    { permission: "scripts.manage", label: "话术库", href: "/console/scripts" }
  ];
  var Scrm = window.Scrm;

  Scrm.onSignedOut(function () {
    var next = location.pathname + location.search;
    location.assign("/console/login?next=" + encodeURIComponent(next));
  });

  var nav = document.querySelector(".console-nav");
  Scrm.api("GET", "/api/session").then(function (session) {
    var allowed = new Set(session.permissions || []);
    nav.appendChild(Scrm.el("a", { href: "/console/", text: "首页" }));
    SECTIONS.forEach(function (section) {
      if (!allowed.has(section.permission)) { return; }
      nav.appendChild(Scrm.el("a", { href: section.href, text: section.label, "data-permission": section.permission }));
    });
    nav.dataset.ready = "1";
  });

  /* The page's message line (console/page.html); kind: error (default), ok, info. */
  var messageBox = document.querySelector("[data-testid=message]");
  function say(text, kind) {
    if (!messageBox) { return; }
    messageBox.textContent = text || "";
    messageBox.className = "console-message " + (kind || "error");
    messageBox.hidden = !text;
  }
  function sayError(error) { say(error.message || String(error), "error"); }

  /* Run a write once: the button stays disabled until the answer, so a double click does
   * nothing twice; a failure shows on the message line. */
  function once(button, work) {
    if (button.disabled) { return Promise.resolve(); }
    button.disabled = true;
    return Promise.resolve().then(work).catch(sayError)
      .finally(function () { button.disabled = false; });
  }

  window.ScrmConsole = { say: say, sayError: sayError, once: once };
})();
