/* The script library (话术库): categories, word search (simplified or traditional), scripts
 * filled for this chat ({称呼} {产品名称} {网点地址} {客户经理}) and materials; one tap opens the
 * checked send with the ready-to-send text. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var S = window.Sidebar;
  var q = Scrm.byTestId;
  var category = "", timer = null, materials = {};
  var KINDS = { image: "图片", link: "链接", miniprogram: "小程序", file: "文档" };

  S.loadScripts = function () {
    var params = new URLSearchParams();
    var query = q("script-search").value.trim();
    if (query) { params.set("q", query); }
    if (category) { params.set("category", category); }
    if (S.target) { params.set(S.target.kind === "customer" ? "external_userid" : "chat_id", S.target.id); }
    return Scrm.api("GET", "/api/sidebar/scripts?" + params.toString()).then(render, function (error) {
      Scrm.fill(q("script-list"), [Scrm.el("p", { class: "sb-error", text: "话术库读取失败：" + error.message })]);
    });
  };

  function render(data) {
    materials = {};
    data.materials.forEach(function (m) { materials[m.key] = m; });
    var chips = [{ name: "", count: null }].concat(data.categories).map(function (c) {
      return Scrm.el("button", { type: "button", class: "sb-chip" + (c.name === category ? " sb-chip_on" : ""),
        "data-testid": "script-category", text: c.name || "全部",
        onclick: function () { category = c.name; S.loadScripts(); } });
    });
    Scrm.fill(q("script-categories"), chips);
    Scrm.fill(q("script-list"), data.scripts.length ? data.scripts.map(scriptRow) : [S.empty("没有找到相关话术")]);
    Scrm.fill(q("material-list"), data.materials.length ? data.materials.map(materialRow) : [S.empty("暂无素材")]);
  }

  function scriptRow(script) {
    var text = script.filled !== undefined ? script.filled : script.body;
    var material = script.material_key ? materials[script.material_key] : null;
    var children = [
      Scrm.el("div", { class: "sb-script__title", text: script.title }),
      Scrm.el("div", { class: "sb-script__body", "data-testid": "script-text", text: text })
    ];
    if (material) { children.push(Scrm.el("div", { class: "sb-sub", text: "附" + KINDS[material.kind] + "：" + material.title })); }
    if (material && !linkOk(material)) {
      children.push(Scrm.el("div", { class: "sb-warn", "data-testid": "material-invalid", text: "所附素材链接无效，只发送文字；请联系总行运营修正" }));
    }
    if (script.missing && script.missing.length) {
      children.push(Scrm.el("div", { class: "sb-warn", text: "待补充：" + script.missing.join("、") + "（发送前请在编辑框里补上）" }));
    }
    if (S.can("sidebar.send") && S.target) {
      children.push(Scrm.el("button", { type: "button", class: "weui-btn weui-btn_mini weui-btn_primary",
        "data-testid": "script-use", text: "使用", onclick: function () {
          var sendable = material && linkOk(material) && !(material.kind === "file" && !material.content.mediaid);
          S.compose(text, { scriptId: script.id, materialKey: sendable ? material.key : null,
            materialTitle: sendable ? material.title : null });
        } }));
    }
    return Scrm.el("div", { class: "sb-card sb-script", "data-testid": "script", "data-key": script.key }, children);
  }

  /* A material saved before links were checked may hold javascript: or the like: the server
   * flags it (links_ok) and the page checks again before an href or a send. */
  function linkOk(m) {
    var c = m.content || {};
    return m.links_ok !== false && ["link", "imgUrl", "url"].every(function (name) {
      return !c[name] || Scrm.webLink(c[name]) !== null;
    });
  }

  function materialRow(m) {
    var open = m.kind === "link" ? m.content.link : (m.kind === "file" ? m.content.url : null);
    var title;
    if (!linkOk(m)) {
      title = Scrm.el("span", { class: "sb-warn", "data-testid": "material-invalid", text: m.title + "（链接无效，请联系总行运营）" });
    } else if (open) {
      title = Scrm.el("a", { href: Scrm.webLink(open), target: "_blank", rel: "noopener noreferrer", text: m.title });
    } else {
      title = Scrm.el("span", { text: m.title });
    }
    return Scrm.el("div", { class: "sb-row", "data-testid": "material" }, [
      Scrm.el("span", { class: "sb-chip", text: KINDS[m.kind] }), title
    ]);
  }

  q("script-search").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(S.loadScripts, 250);
  });
})();
