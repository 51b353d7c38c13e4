/* The customer view (1v1 chat): profile from /api/customers/<id>, tags (editable → PUT tags,
 * which reaches WeCom's mark_tag), notes (add / edit), recent messages and to-dos from
 * /api/sidebar/. A customer who is not this RM's gets a clear message and no data. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var S = window.Sidebar;
  var q = Scrm.byTestId;
  var customerId = null, card = null, tagGroups = null;

  S.showCustomer = function (externalUserid) {
    customerId = externalUserid;
    var base = "/api/customers/" + encodeURIComponent(externalUserid);
    var side = "/api/sidebar/customers/" + encodeURIComponent(externalUserid);
    return Promise.all([
      Scrm.api("GET", base), Scrm.api("GET", side + "/messages?limit=20"), Scrm.api("GET", side + "/todos")
    ]).then(function (results) {
      card = results[0];
      renderCard();
      renderMessages(results[1].messages);
      renderTodos(results[2].todos);
      return true;
    }, function (error) {
      if (error.status === 404) {
        S.notice("这位客户不是您本人服务的客户，侧边栏不显示其资料。如需接手，请联系支行负责人办理交接。");
        return false;
      }
      throw error;
    });
  };

  function renderCard() {
    var c = card.customer, mine = card.mine || {}, b = card.binding;
    q("customer-name").textContent = c.name || c.external_userid;
    q("customer-remark").textContent = mine.remark ? "备注：" + mine.remark : "";
    var avatar = q("customer-avatar");
    // WeCom hands avatars as http:// on its image hosts; the page is https and its policy
    // allows those hosts over https only (CSP_IMG_HOSTS).
    var avatarUrl = c.avatar ? Scrm.webLink(c.avatar.replace(/^http:\/\//i, "https://")) : null;
    if (avatarUrl) { avatar.src = avatarUrl; } else { avatar.hidden = true; }
    var facts = [
      ["客户等级", b ? (b.tier_name || b.tier || "—") : "—"],
      ["风险等级", b ? (b.risk_level || "—") : "—"],
      ["身份认证", b ? "已绑定 " + b.cif_no_masked + (b.method_name ? "（" + b.method_name + "）" : "") : "未绑定"],
      ["来源渠道", mine.channel_state || "—"]
    ];
    Scrm.fill(q("customer-facts"), facts.map(function (f) {
      return Scrm.el("div", { class: "weui-cell" }, [
        Scrm.el("div", { class: "weui-cell__bd", text: f[0] }), Scrm.el("div", { class: "weui-cell__ft", text: f[1] })
      ]);
    }));
    renderTags();
    var groups = card.groups_in_common || [];
    Scrm.fill(q("customer-groups"), groups.length ? groups.map(function (g) {
      return Scrm.el("span", { class: "sb-chip", text: g.name });
    }) : [S.empty("暂无共同客户群")]);
    renderNotes();
  }

  function renderTags() {
    var chips = [];
    ((card.mine && card.mine.tags) || []).forEach(function (group) {
      group.tags.forEach(function (tag) {
        chips.push(Scrm.el("span", { class: "sb-chip sb-tag", "data-tag-id": tag.tag_id || "", text: tag.name }));
      });
    });
    Scrm.fill(q("customer-tags"), chips.length ? chips : [S.empty("暂无标签")]);
  }

  function currentTagIds() {
    var ids = [];
    ((card.mine && card.mine.tags) || []).forEach(function (group) {
      group.tags.forEach(function (tag) { if (tag.tag_id) { ids.push(tag.tag_id); } });
    });
    return ids;
  }

  function openTagEditor() {
    var load = tagGroups ? Promise.resolve(tagGroups) : Scrm.api("GET", "/api/customers/tag-groups")
      .then(function (data) { tagGroups = data.tag_groups; return tagGroups; });
    load.then(function (groups) {
      var have = currentTagIds();
      Scrm.fill(q("tag-choices"), groups.map(function (group) {
        return Scrm.el("div", { class: "sb-tag-group" }, [Scrm.el("div", { class: "sb-sub", text: group.group_name })]
          .concat(group.tags.map(function (tag) {
            var box = Scrm.el("input", { type: "checkbox", value: tag.tag_id });
            box.checked = have.indexOf(tag.tag_id) >= 0;
            return Scrm.el("label", { class: "sb-chip sb-choice" }, [box, Scrm.el("span", { text: tag.name })]);
          })));
      }));
      q("tag-editor").hidden = false;
    }, function (error) { S.notice("读取标签失败：" + error.message); });
  }

  function saveTags() {
    var ids = Array.prototype.map.call(
      q("tag-choices").querySelectorAll("input:checked"), function (box) { return box.value; });
    Scrm.api("PUT", "/api/customers/" + encodeURIComponent(customerId) + "/tags", { tag_ids: ids })
      .then(function (data) {
        card.mine = data.follow;
        renderTags();
        q("tag-editor").hidden = true;
        S.notice("标签已保存并同步到企业微信", "ok");
      }, function (error) { S.notice("标签未保存：" + error.message); });
  }

  function renderNotes() {
    var notes = card.notes || [];
    Scrm.fill(q("customer-notes"), notes.length ? notes.map(function (note) {
      var text = Scrm.el("div", { class: "sb-note__text", text: note.text });
      var edit = note.author !== S.userid ? null : Scrm.el("button", {
        type: "button", class: "sb-link", text: "修改", "data-testid": "edit-note",
        onclick: function () { editNote(note, row); }
      });
      var row = Scrm.el("div", { class: "sb-note", "data-testid": "note" }, [
        text, Scrm.el("div", { class: "sb-sub", text: note.author_name + " · " + Scrm.shortTime(note.updated_at) }), edit
      ]);
      return row;
    }) : [S.empty("还没有跟进记录")]);
  }

  function editNote(note, row) {
    var box = Scrm.el("textarea", { class: "sb-input", rows: "2", "data-testid": "note-edit-text" });
    box.value = note.text;
    var save = Scrm.el("button", { type: "button", class: "weui-btn weui-btn_mini weui-btn_primary",
      text: "保存", "data-testid": "save-note", onclick: function () {
        Scrm.api("PUT", "/api/customers/" + encodeURIComponent(customerId) + "/notes/" + note.id, { text: box.value })
          .then(function (data) { replaceNote(data.note); }, function (error) { S.notice("记录未保存：" + error.message); });
      } });
    Scrm.fill(row, [box, save]);
  }

  function replaceNote(note) {
    card.notes = (card.notes || []).filter(function (n) { return n.id !== note.id; });
    card.notes.unshift(note);
    renderNotes();
  }

  function addNote() {
    var box = q("note-text");
    if (!box.value.trim()) { box.focus(); return; }
    Scrm.api("POST", "/api/customers/" + encodeURIComponent(customerId) + "/notes", { text: box.value })
      .then(function (data) { box.value = ""; replaceNote(data.note); },
        function (error) { S.notice("记录未添加：" + error.message); });
  }

  function renderMessages(messages) {
    Scrm.fill(q("customer-messages"), messages.length ? messages.map(function (m) {
      return Scrm.el("div", { class: "sb-msg sb-msg_" + m.from, "data-testid": "message" }, [
        Scrm.el("div", { class: "sb-msg__text", text: m.text || "[" + m.msgtype + "]" }),
        Scrm.el("div", { class: "sb-sub", text: Scrm.shortTime(m.at) })
      ]);
    }) : [S.empty("会话存档里还没有与该客户的消息")]);
  }

  function renderTodos(todos) {
    Scrm.fill(q("customer-todos"), todos.length ? todos.map(function (t) {
      return Scrm.el("div", { class: "sb-row", "data-testid": "customer-todo", text: t.title });
    }) : [S.empty("没有待办")]);
  }

  q("edit-tags").addEventListener("click", openTagEditor);
  q("save-tags").addEventListener("click", saveTags);
  q("cancel-tags").addEventListener("click", function () { q("tag-editor").hidden = true; });
  q("add-note").addEventListener("click", addNote);
})();
