/* The customer view (1v1 chat): profile from /api/customers/<id>, tags (editable → PUT tags,
 * which reaches WeCom's mark_tag), notes (add / edit), recent messages and to-dos from
 * /api/sidebar/. A customer who is not this RM's gets a clear message and no data. */
(function () {
  "use strict";
  var S = window.Sidebar;
  var customerId = null, card = null, tagGroups = null;

  S.showCustomer = function (externalUserid) {
    customerId = externalUserid;
    var base = "/api/customers/" + encodeURIComponent(externalUserid);
    var side = "/api/sidebar/customers/" + encodeURIComponent(externalUserid);
    return Promise.all([
      S.api("GET", base), S.api("GET", side + "/messages?limit=20"), S.api("GET", side + "/todos")
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
    S.q("customer-name").textContent = c.name || c.external_userid;
    S.q("customer-remark").textContent = mine.remark ? "备注：" + mine.remark : "";
    var avatar = S.q("customer-avatar");
    if (c.avatar) { avatar.src = c.avatar; } else { avatar.hidden = true; }
    var facts = [
      ["客户等级", b ? (b.tier_name || b.tier || "—") : "—"],
      ["风险等级", b ? (b.risk_level || "—") : "—"],
      ["身份认证", b ? "已绑定 " + b.cif_no_masked + (b.method_name ? "（" + b.method_name + "）" : "") : "未绑定"],
      ["来源渠道", mine.channel_state || "—"]
    ];
    S.fill(S.q("customer-facts"), facts.map(function (f) {
      return S.el("div", { class: "weui-cell" }, [
        S.el("div", { class: "weui-cell__bd", text: f[0] }), S.el("div", { class: "weui-cell__ft", text: f[1] })
      ]);
    }));
    renderTags();
    var groups = card.groups_in_common || [];
    S.fill(S.q("customer-groups"), groups.length ? groups.map(function (g) {
      return S.el("span", { class: "sb-chip", text: g.name });
    }) : [S.empty("暂无共同客户群")]);
    renderNotes();
  }

  function renderTags() {
    var chips = [];
    ((card.mine && card.mine.tags) || []).forEach(function (group) {
      group.tags.forEach(function (tag) {
        chips.push(S.el("span", { class: "sb-chip sb-tag", "data-tag-id": tag.tag_id || "", text: tag.name }));
      });
    });
    S.fill(S.q("customer-tags"), chips.length ? chips : [S.empty("暂无标签")]);
  }

  function currentTagIds() {
    var ids = [];
    ((card.mine && card.mine.tags) || []).forEach(function (group) {
      group.tags.forEach(function (tag) { if (tag.tag_id) { ids.push(tag.tag_id); } });
    });
    return ids;
  }

  function openTagEditor() {
    var load = tagGroups ? Promise.resolve(tagGroups) : S.api("GET", "/api/customers/tag-groups")
      .then(function (data) { tagGroups = data.tag_groups; return tagGroups; });
    load.then(function (groups) {
      var have = currentTagIds();
      S.fill(S.q("tag-choices"), groups.map(function (group) {
        return S.el("div", { class: "sb-tag-group" }, [S.el("div", { class: "sb-sub", text: group.group_name })]
          .concat(group.tags.map(function (tag) {
            var box = S.el("input", { type: "checkbox", value: tag.tag_id });
            box.checked = have.indexOf(tag.tag_id) >= 0;
            return S.el("label", { class: "sb-chip sb-choice" }, [box, S.el("span", { text: tag.name })]);
          })));
      }));
      S.q("tag-editor").hidden = false;
    }, function (error) { S.notice("读取标签失败：" + error.message); });
  }

  function saveTags() {
    var ids = Array.prototype.map.call(
      S.q("tag-choices").querySelectorAll("input:checked"), function (box) { return box.value; });
    S.api("PUT", "/api/customers/" + encodeURIComponent(customerId) + "/tags", { tag_ids: ids })
      .then(function (data) {
        card.mine = data.follow;
        renderTags();
        S.q("tag-editor").hidden = true;
        S.notice("标签已保存并同步到企业微信", "ok");
      }, function (error) { S.notice("标签未保存：" + error.message); });
  }

  function renderNotes() {
    var notes = card.notes || [];
    S.fill(S.q("customer-notes"), notes.length ? notes.map(function (note) {
      var text = S.el("div", { class: "sb-note__text", text: note.text });
      var edit = note.author !== S.userid ? null : S.el("button", {
        type: "button", class: "sb-link", text: "修改", "data-testid": "edit-note",
        onclick: function () { editNote(note, row); }
      });
      var row = S.el("div", { class: "sb-note", "data-testid": "note" }, [
        text, S.el("div", { class: "sb-sub", text: note.author_name + " · " + S.time(note.updated_at) }), edit
      ]);
      return row;
    }) : [S.empty("还没有跟进记录")]);
  }

  function editNote(note, row) {
    var box = S.el("textarea", { class: "sb-input", rows: "2", "data-testid": "note-edit-text" });
    box.value = note.text;
    var save = S.el("button", { type: "button", class: "weui-btn weui-btn_mini weui-btn_primary",
      text: "保存", "data-testid": "save-note", onclick: function () {
        S.api("PUT", "/api/customers/" + encodeURIComponent(customerId) + "/notes/" + note.id, { text: box.value })
          .then(function (data) { replaceNote(data.note); }, function (error) { S.notice("记录未保存：" + error.message); });
      } });
    S.fill(row, [box, save]);
  }

  function replaceNote(note) {
    card.notes = (card.notes || []).filter(function (n) { return n.id !== note.id; });
    card.notes.unshift(note);
    renderNotes();
  }

  function addNote() {
    var box = S.q("note-text");
    if (!box.value.trim()) { box.focus(); return; }
    S.api("POST", "/api/customers/" + encodeURIComponent(customerId) + "/notes", { text: box.value })
      .then(function (data) { box.value = ""; replaceNote(data.note); },
        function (error) { S.notice("记录未添加：" + error.message); });
  }

  function renderMessages(messages) {
    S.fill(S.q("customer-messages"), messages.length ? messages.map(function (m) {
      return S.el("div", { class: "sb-msg sb-msg_" + m.from, "data-testid": "message" }, [
        S.el("div", { class: "sb-msg__text", text: m.text || "[" + m.msgtype + "]" }),
        S.el("div", { class: "sb-sub", text: S.time(m.at) })
      ]);
    }) : [S.empty("会话存档里还没有与该客户的消息")]);
  }

  function renderTodos(todos) {
    S.fill(S.q("customer-todos"), todos.length ? todos.map(function (t) {
      return S.el("div", { class: "sb-row", "data-testid": "customer-todo", text: t.title });
    }) : [S.empty("没有待办")]);
  }

  S.q("edit-tags").addEventListener("click", openTagEditor);
  S.q("save-tags").addEventListener("click", saveTags);
  S.q("cancel-tags").addEventListener("click", function () { S.q("tag-editor").hidden = true; });
  S.q("add-note").addEventListener("click", addNote);
})();
