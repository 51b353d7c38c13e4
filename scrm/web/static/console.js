/* Console navigation: one link per section the signed-in member's permissions allow
 * (from GET /api/session). The sections' screens arrive with their features. */
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
  var nav = document.querySelector(".console-nav");
  fetch("/api/session", { credentials: "same-origin" }).then(function (res) {
    return res.json();
  }).then(function (session) {
    var allowed = new Set(session.permissions || []);
    var home = document.createElement("a");
    home.href = "/console/";
    home.textContent = "首页";
    nav.appendChild(home);
    SECTIONS.forEach(function (section) {
      if (!allowed.has(section.permission)) { return; }
      var link = document.createElement("a");
      link.href = section.href;
      link.textContent = section.label;
      link.dataset.permission = section.permission;
      nav.appendChild(link);
    });
    nav.dataset.ready = "1";
  });
})();
