/* 话术库: HQ ops manage the sidebar's scripts and materials over /api/sidebar/ — categories and
 * the jieba search, the scripts table with {变量} marked, add / edit / delete, and the materials
 * with add / edit / retire. The API's error messages are shown as they come. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var KINDS = { image: "图片", link: "链接", miniprogram: "小程序", file: "文件" };
  var CONTENT_FIELDS = ["link", "desc", "appid", "page", "imgUrl", "mediaid", "url"];
  var q = Scrm.byTestId;
  var searchForm = document.getElementById("search-form");
  var scriptForm = document.getElementById("script-form");
  var materialForm = document.getElementById("material-form");
  var known = [];          // the variables the sidebar fills, from the API
  var materials = [];      // the active materials, from the API
  var editingScript = null;
  var editingMaterial = null;

  /* A write: the button acts once; the API's message shows above the form and at the top. */
  function write(button, errorBox, work) {
    errorBox.textContent = "";
    return C.once(button, function () {
      return work().catch(function (error) { errorBox.textContent = error.message; throw error; });
    });
  }

  /* The body as text nodes with each {变量} in a <mark>; a name the sidebar does not fill is
   * marked as unknown. */
  function bodyCell(text) {
    var cell = Scrm.el("td", { "class": "script-body", testid: "script-text" });
    text.split(/(\{[^{}\s]{1,12}\})/).forEach(function (part) {
      var name = /^\{(.+)\}$/.exec(part);
      if (!name) { cell.appendChild(document.createTextNode(part)); return; }
      var isKnown = known.indexOf(name[1]) >= 0;
      cell.appendChild(Scrm.el("mark", {
        text: part, testid: "variable", "data-known": isKnown ? "1" : "0",
        title: isKnown ? "发送时自动填充" : "侧边栏不认识这个变量，会原样发出"
      }));
    });
    return cell;
  }

  function button(label, testid, onclick) {
    return Scrm.el("button", {
      type: "button", "class": "weui-btn weui-btn_mini weui-btn_default", text: label,
      testid: testid, onclick: onclick
    });
  }

  function renderScripts(answer) {
    var body = q("scripts").querySelector("tbody");
    body.replaceChildren();
    answer.scripts.forEach(function (s) {
      var extra = [s.product_name, s.material_key ? "素材 " + s.material_key : ""].filter(Boolean).join(" / ");
      var updated = s.updated_at ? Scrm.time(s.updated_at) + (s.updated_by ? " " + s.updated_by : "") : "";
      var row = Scrm.el("tr", { testid: "script-row", "data-id": String(s.id), "data-key": s.key }, [
        Scrm.el("td", { text: s.title, testid: "script-title-cell" }),
        Scrm.el("td", { text: s.category }),
        bodyCell(s.body),
        Scrm.el("td", { text: extra }),
        Scrm.el("td", { text: updated, testid: "script-updated" }),
        Scrm.el("td", { "class": "script-actions" }, [
          button("编辑", "script-edit", function () { editScript(s); }),
          button("删除", "script-delete", function (event) { deleteScript(s, event.currentTarget); })
        ])
      ]);
      body.appendChild(row);
    });
    var count = answer.scripts.length;
    q("script-count").textContent = count >= 100 ? "仅显示前 100 条，请用关键词缩小范围" : "共 " + count + " 条";
  }

  function renderCategories(categories) {
    var box = q("categories");
    var select = searchForm.elements.category;
    var chosen = select.value;
    box.replaceChildren();
    select.replaceChildren(Scrm.el("option", { value: "", text: "全部" }));
    var list = document.getElementById("category-names");
    list.replaceChildren();
    categories.forEach(function (c) {
      var chip = button(c.name + "（" + c.count + "）", "category", function () {
        select.value = select.value === c.name ? "" : c.name;
        load();
      });
      chip.setAttribute("aria-pressed", c.name === chosen ? "true" : "false");
      box.appendChild(chip);
      select.appendChild(Scrm.el("option", { value: c.name, text: c.name }));
      list.appendChild(Scrm.el("option", { value: c.name }));
    });
    select.value = chosen;
  }

  function renderVariables(names) {
    var box = q("variables");
    if (known.length) { return; }
    known = names;
    names.forEach(function (name) {
      box.appendChild(button("{" + name + "}", "insert-variable", function () {
        var area = scriptForm.elements.body;
        var at = area.selectionStart || area.value.length;
        area.value = area.value.slice(0, at) + "{" + name + "}" + area.value.slice(area.selectionEnd || at);
        area.focus();
      }));
    });
  }

  function where(m) {
    var c = m.content || {};
    if (m.links_ok === false) { return "（链接无效，请编辑改为 https:// 网址）" + (c.link || c.url || c.imgUrl || ""); }
    if (m.kind === "link") { return c.link || ""; }
    if (m.kind === "miniprogram") { return (c.appid || "") + " " + (c.page || ""); }
    return c.url || (c.mediaid ? "mediaid " + c.mediaid : "");
  }

  function renderMaterials(list) {
    materials = list;
    var body = q("materials").querySelector("tbody");
    body.replaceChildren();
    var select = scriptForm.elements.material_key;
    var chosen = select.value;
    select.replaceChildren(Scrm.el("option", { value: "", text: "无" }));
    list.forEach(function (m) {
      body.appendChild(Scrm.el("tr", { testid: "material-row", "data-key": m.key }, [
        Scrm.el("td", { text: m.key }), Scrm.el("td", { text: KINDS[m.kind] || m.kind }),
        Scrm.el("td", { text: m.category }), Scrm.el("td", { text: m.title, testid: "material-title-cell" }),
        Scrm.el("td", { text: where(m), testid: "material-location" }),
        Scrm.el("td", { "class": "script-actions" }, [
          button("编辑", "material-edit", function () { editMaterial(m); }),
          button("停用", "material-retire", function (event) { retireMaterial(m, event.currentTarget); })
        ])
      ]));
      select.appendChild(Scrm.el("option", { value: m.key, text: m.title + "（" + (KINDS[m.kind] || m.kind) + "）" }));
    });
    select.value = chosen;
  }

  function load() {
    var params = Scrm.formQuery(searchForm);
    return Scrm.api("GET", "/api/sidebar/scripts?" + params.toString()).then(function (answer) {
      renderVariables(answer.variables);
      renderCategories(answer.categories);
      renderScripts(answer);
      renderMaterials(answer.materials);
      q("scripts").dataset.query = params.toString();
    }).catch(C.sayError);
  }

  /* Scripts: add, edit, delete. */
  function resetScriptForm() {
    editingScript = null;
    scriptForm.reset();
    scriptForm.dataset.mode = "add";
    scriptForm.elements.key.disabled = false;
    q("script-form-title").textContent = "新增话术";
    q("script-cancel").hidden = true;
    q("script-error").textContent = "";
  }

  function editScript(s) {
    resetScriptForm();
    editingScript = s;
    scriptForm.dataset.mode = "edit";
    var f = scriptForm.elements;
    f.key.value = s.key;
    f.key.disabled = true;
    f.category.value = s.category;
    f.title.value = s.title;
    f.body.value = s.body;
    f.product_name.value = s.product_name || "";
    f.material_key.value = s.material_key || "";
    q("script-form-title").textContent = "编辑话术「" + s.title + "」";
    q("script-cancel").hidden = false;
    scriptForm.scrollIntoView({ block: "nearest" });
    f.title.focus();
  }

  scriptForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var f = scriptForm.elements;
    var data = {
      category: f.category.value, title: f.title.value, body: f.body.value,
      product_name: f.product_name.value.trim() || null, material_key: f.material_key.value || null
    };
    var editing = editingScript;
    write(q("script-save"), q("script-error"), function () {
      var request = editing
        ? Scrm.api("PUT", "/api/sidebar/scripts/" + editing.id, data)
        : Scrm.api("POST", "/api/sidebar/scripts", Object.assign({
          key: f.key.value.trim() || "console-" + Date.now().toString(36)
        }, data));
      return request.then(function () {
        C.say((editing ? "已保存话术「" : "已新增话术「") + data.title.trim() + "」", "ok");
        resetScriptForm();
        return load();
      });
    });
  });

  q("script-cancel").addEventListener("click", resetScriptForm);

  function deleteScript(s, control) {
    if (!window.confirm("删除话术「" + s.title + "」？客户经理的话术库里将不再出现（记录保留）。")) { return; }
    write(control, q("script-error"), function () {
      return Scrm.api("DELETE", "/api/sidebar/scripts/" + s.id).then(function () {
        if (editingScript && editingScript.id === s.id) { resetScriptForm(); }
        C.say("已删除话术「" + s.title + "」", "ok");
        return load();
      });
    });
  }

  /* Materials: add, edit, retire; only the kind's fields are shown and sent. */
  function showKindFields() {
    var kind = materialForm.elements.kind.value;
    materialForm.querySelectorAll("[data-kinds]").forEach(function (node) {
      node.hidden = node.dataset.kinds.split(" ").indexOf(kind) < 0;
    });
  }
  materialForm.elements.kind.addEventListener("change", showKindFields);

  function resetMaterialForm() {
    editingMaterial = null;
    materialForm.reset();
    materialForm.dataset.mode = "add";
    materialForm.elements.key.disabled = false;
    q("material-form-title").textContent = "新增素材";
    q("material-cancel").hidden = true;
    q("material-error").textContent = "";
    showKindFields();
  }

  function editMaterial(m) {
    resetMaterialForm();
    editingMaterial = m;
    materialForm.dataset.mode = "edit";
    var f = materialForm.elements;
    f.key.value = m.key;
    f.key.disabled = true;
    f.kind.value = m.kind;
    f.category.value = m.category;
    f.title.value = m.title;
    CONTENT_FIELDS.forEach(function (name) { f[name].value = (m.content || {})[name] || ""; });
    showKindFields();
    q("material-form-title").textContent = "编辑素材「" + m.title + "」";
    q("material-cancel").hidden = false;
    materialForm.scrollIntoView({ block: "nearest" });
  }

  materialForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var f = materialForm.elements;
    var kind = f.kind.value;
    var editing = editingMaterial;
    // Keep content fields this form does not edit when the kind stays the same.
    var content = editing && editing.kind === kind ? Object.assign({}, editing.content) : {};
    CONTENT_FIELDS.forEach(function (name) {
      if (f[name].hidden) { return; }
      var value = f[name].value.trim();
      if (value) { content[name] = value; } else { delete content[name]; }
    });
    if (kind === "link" || kind === "miniprogram") { content.title = f.title.value.trim(); }
    var data = { kind: kind, category: f.category.value, title: f.title.value, content: content };
    write(q("material-save"), q("material-error"), function () {
      var request = editing
        ? Scrm.api("PUT", "/api/sidebar/materials/" + encodeURIComponent(editing.key), data)
        : Scrm.api("POST", "/api/sidebar/materials", Object.assign({ key: f.key.value.trim() }, data));
      return request.then(function () {
        C.say((editing ? "已保存素材「" : "已新增素材「") + data.title.trim() + "」", "ok");
        resetMaterialForm();
        return load();
      });
    });
  });

  q("material-cancel").addEventListener("click", resetMaterialForm);

  function retireMaterial(m, control) {
    if (!window.confirm("停用素材「" + m.title + "」？已引用它的话术需改选素材。")) { return; }
    write(control, q("material-error"), function () {
      return Scrm.api("PUT", "/api/sidebar/materials/" + encodeURIComponent(m.key), { active: false })
        .then(function () { C.say("已停用素材「" + m.title + "」", "ok"); return load(); });
    });
  }

  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    load();
  });
  searchForm.elements.category.addEventListener("change", load);

  resetMaterialForm();
  load().then(function () { q("scripts").dataset.ready = "1"; });
})();
